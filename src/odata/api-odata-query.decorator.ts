import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { ODATA_LIMITS } from './limits';

/**
 * Documents the OData query options of a list route in the OpenAPI description; `file` for a route that
 * answers one file (an export): no pages, so no $count or $skiptoken, and $select names columns.
 */
export function ApiODataQuery(
  options: { search?: boolean; filterExample?: string; orderbyExample?: string; file?: boolean } = {},
) {
  const decorators = [
    ApiQuery({
      name: '$filter',
      required: false,
      type: String,
      description:
        'OData filter: eq ne gt ge lt le and or not in, parentheses, null; contains startswith endswith tolower toupper length year month day; any/all over collections. Text compares case- and accent-insensitively.',
      example: options.filterExample ?? "startswith(displayName,'jo') and categories/any(c: c eq 'Supplier')",
    }),
    ApiQuery({
      name: '$select',
      required: false,
      type: String,
      description: options.file
        ? "Comma-separated properties to write as columns (xlsx and CSV only), in the tab's order; a custom field alone as customFields/key. Default: the tab's visible fields."
        : 'Comma-separated properties to return (id and etag are always returned).',
      example: 'displayName,emailAddresses',
    }),
    ApiQuery({
      name: '$orderby',
      required: false,
      type: String,
      description:
        'Comma-separated properties, each optionally asc or desc; nulls sort first ascending. Ties are broken by id.',
      example: options.orderbyExample ?? 'displayName asc',
    }),
    ApiQuery({
      name: '$top',
      required: false,
      type: Number,
      description: options.file
        ? 'Most contacts in the file (default: all).'
        : `Page size, default ${ODATA_LIMITS.defaultTop}, at most ${ODATA_LIMITS.maxPageSize} per response (a larger value continues through @odata.nextLink).`,
      example: 50,
    }),
    ApiQuery({
      name: '$skip',
      required: false,
      type: Number,
      description: options.file
        ? `Contacts to leave out from the start, at most ${ODATA_LIMITS.maxSkip}.`
        : `Rows to skip, at most ${ODATA_LIMITS.maxSkip}; page further with @odata.nextLink.`,
    }),
  ];
  if (!options.file) {
    decorators.push(
      ApiQuery({
        name: '$count',
        required: false,
        type: Boolean,
        description: 'true adds @odata.count, the size of the whole filtered set.',
      }),
      ApiQuery({
        name: '$skiptoken',
        required: false,
        type: String,
        description: 'Opaque continuation token; use the @odata.nextLink of the previous page as it is.',
      }),
    );
  }
  if (options.search !== false) {
    decorators.push(
      ApiQuery({
        name: '$search',
        required: false,
        type: String,
        description: 'Words and "quoted phrases" that must all occur (case- and accent-insensitive).',
        example: '"contoso ltd" smith',
      }),
    );
  }
  return applyDecorators(...decorators);
}
