import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import type { EntityModel, QueryContext } from './entity-model';
import { parseFilter } from './filter-parser';
import { translateFilter } from './filter-translator';
import { ODATA_LIMITS } from './limits';
import { parseOrderBy } from './orderby';
import { parseSelect } from './select';

/**
 * What no option may contain (see `assertPrintable`): C0 and C1 control characters but the tab. Written
 * for both ECMA-262 and Python's `re`, which the fuzzer generates from: no flags, no lookbehind.
 */
export const PRINTABLE_OPTION = '^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f]*$';

/** The examples of one list route, checked against its entity model when the route is declared. */
export interface ODataQueryExamples {
  /** Valid `$select` of the route's entity; Swagger UI's "Try it out" pre-fills it. */
  select: string;
  /** Valid `$orderby`; pre-filled as well. */
  orderby: string;
  /** Valid `$filter`, shown in the description only: pre-filled, it would narrow the first try. */
  filter: string;
  /** `false` for entities without `$search`. */
  search?: boolean;
  /** A route that answers one file (an export): no pages, so no $count or $skiptoken; $select names columns. */
  file?: boolean;
}

/** An example that the route's own parser refuses stops the service at start, naming it. */
function checked(option: string, example: string, check: () => unknown): string {
  try {
    check();
  } catch (error) {
    throw new Error(`The ${option} example '${example}' is not valid: ${(error as Error).message}`);
  }
  return example;
}

/** The caller an example is checked for: an example works for everyone. */
const ANY_CALLER: QueryContext = { userId: '00000000-0000-0000-0000-000000000000' };

/** A free-text option: printable, and no longer than any option may be. */
const TEXT_OPTION = { type: String, pattern: PRINTABLE_OPTION, maxLength: ODATA_LIMITS.maxOptionLength };

type QueryDecorator = ReturnType<typeof ApiQuery>;

/**
 * Documents the OData query options of a list route for `model` (for a tab's contacts: the contact
 * model without the tab's custom fields). Examples are those of the model, so "Try it out" succeeds.
 */
export function ApiODataQuery(model: EntityModel, examples: ODataQueryExamples) {
  const decorators = [...selectionOptions(model, examples), ...pagingOptions(examples)];
  if (examples.search !== false) decorators.push(searchOption());
  return applyDecorators(...decorators);
}

/** `$filter`, `$select` and `$orderby`, with the route's examples checked against its model. */
function selectionOptions(model: EntityModel, examples: ODataQueryExamples): QueryDecorator[] {
  const select = checked('$select', examples.select, () => parseSelect(examples.select, model));
  const orderby = checked('$orderby', examples.orderby, () => parseOrderBy(examples.orderby, model));
  const filter = checked('$filter', examples.filter, () =>
    translateFilter(parseFilter(examples.filter), model, ANY_CALLER),
  );
  return [
    ApiQuery({
      name: '$filter',
      required: false,
      ...TEXT_OPTION,
      minLength: 1,
      description: `OData filter: eq ne gt ge lt le and or not in, parentheses, null; contains startswith endswith tolower toupper length year month day; any/all over collections. Text compares case- and accent-insensitively. For example \`${filter}\`.`,
    }),
    ApiQuery({
      name: '$select',
      required: false,
      ...TEXT_OPTION,
      description: examples.file
        ? "Comma-separated properties to write as columns (xlsx and CSV only), in the tab's order; a custom field alone as customFields/key. Default: the tab's visible fields."
        : 'Comma-separated properties to return (id and etag are always returned).',
      example: select,
    }),
    ApiQuery({
      name: '$orderby',
      required: false,
      ...TEXT_OPTION,
      description:
        'Comma-separated properties, each optionally asc or desc; nulls sort first ascending. Ties are broken by id.',
      example: orderby,
    }),
  ];
}

/** `$top` and `$skip`; for a route that answers pages (not a file), `$count` and `$skiptoken` too. */
function pagingOptions(examples: ODataQueryExamples): QueryDecorator[] {
  const decorators = [
    ApiQuery({
      name: '$top',
      required: false,
      type: 'integer',
      minimum: 0,
      maximum: 999_999_999,
      description: examples.file
        ? 'Most contacts in the file (default: all).'
        : `Page size, default ${ODATA_LIMITS.defaultTop}, at most ${ODATA_LIMITS.maxPageSize} per response (a larger value continues through @odata.nextLink).`,
      example: 50,
    }),
    ApiQuery({
      name: '$skip',
      required: false,
      type: 'integer',
      minimum: 0,
      maximum: ODATA_LIMITS.maxSkip,
      description: examples.file
        ? `Contacts to leave out from the start, at most ${ODATA_LIMITS.maxSkip}.`
        : `Rows to skip, at most ${ODATA_LIMITS.maxSkip}; page further with @odata.nextLink. Not with $skiptoken.`,
    }),
  ];
  if (examples.file) return decorators;
  return [
    ...decorators,
    ApiQuery({
      name: '$count',
      required: false,
      type: Boolean,
      description: 'true adds @odata.count, the size of the whole filtered set.',
    }),
    ApiQuery({
      name: '$skiptoken',
      required: false,
      ...TEXT_OPTION,
      description:
        'Opaque continuation token minted by the service (signed; any other value is a 400); use the @odata.nextLink of the previous page as it is. Not with $skip.',
    }),
  ];
}

function searchOption(): QueryDecorator {
  return ApiQuery({
    name: '$search',
    required: false,
    ...TEXT_OPTION,
    description:
      'Words and "quoted phrases" that must all occur (case- and accent-insensitive), at most ' +
      `${ODATA_LIMITS.maxSearchTerms}; AND between them changes nothing, OR, NOT and parentheses are refused. For example \`"contoso ltd" smith\`.`,
  });
}
