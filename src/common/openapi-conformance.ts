import type { OpenAPIObject } from '@nestjs/swagger';
import type { ReferenceObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

const ERROR_BODY = {
  'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } },
};
const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
};
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Documents the answers every operation may give whatever its controller says, so the document stays
 * true for routes added later: 400 (parameters, body, OData options), 429 on authenticated routes (rate
 * limits), 503 (request timeout, database unavailable) and any other error status (413, 415, ...), all in
 * the one error body.
 */
function documentCommonErrors(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const responses = operation.responses;
      responses['400'] ??= {
        description: 'The request is invalid (parameters, body or query options).',
        content: ERROR_BODY,
      };
      if (operation.security && operation.security.length > 0) {
        responses['429'] ??= {
          description: 'Too many requests from the caller or the organization.',
          headers: RETRY_AFTER,
          content: ERROR_BODY,
        };
      }
      responses['503'] ??= {
        description: 'The request timed out or the database is unavailable; retry later.',
        headers: RETRY_AFTER,
        content: ERROR_BODY,
      };
      responses.default ??= { description: 'Any other error.', content: ERROR_BODY };
    }
  }
}

function referencedName(schema: SchemaObject | ReferenceObject | undefined): string | undefined {
  return schema && '$ref' in schema ? schema.$ref.split('/').pop() : undefined;
}

/**
 * `$select` returns only the properties asked for: the items of a collection an operation lets the caller
 * `$select` from are documented by a copy of the entity's schema with no required property.
 */
function documentSelection(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  for (const item of Object.values(document.paths)) {
    const operation = item.get;
    const selectable = operation?.parameters?.some((p) => 'name' in p && p.name === '$select');
    const ok = operation?.responses['200'];
    if (!selectable || !ok || !('content' in ok)) continue;
    const collection = schemas[referencedName(ok.content?.['application/json']?.schema) ?? ''];
    const value = collection && 'properties' in collection ? collection.properties?.value : undefined;
    if (!value || !('items' in value)) continue;
    const entity = referencedName(value.items);
    const schema = entity ? schemas[entity] : undefined;
    // A collection shared by two routes is rewritten once.
    if (!entity || entity.endsWith('Selection') || !schema || '$ref' in schema) continue;
    const selection = `${entity.replace(/Dto$/, '')}Selection`;
    if (!schemas[selection]) {
      const { required: _required, ...rest } = schema;
      schemas[selection] = {
        ...rest,
        description: `${entity} with the properties $select asked for (all of them without $select).`,
      };
    }
    value.items = { $ref: `#/components/schemas/${selection}` };
  }
}

/** Completes the generated document with what holds for every route, present and future. */
export function completeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  documentCommonErrors(document);
  documentSelection(document);
  return document;
}
