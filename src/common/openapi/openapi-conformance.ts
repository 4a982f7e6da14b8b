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

const SCHEMAS = '#/components/schemas/';

/**
 * The schema of `entity` as `$select` returns it: every property optional. For a DTO that embeds selected
 * entities beside other items (delta's changed and removed contacts); list routes get it by themselves.
 */
export function selectionOf(entity: { name: string }): string {
  return `${SCHEMAS}${entity.name.replace(/Dto$/, '')}Selection`;
}

/** Adds `<Entity>Selection`, a copy of `<Entity>Dto` with no required property, unless it is there. */
function ensureSelection(
  schemas: Record<string, SchemaObject | ReferenceObject>,
  selection: string,
): boolean {
  if (schemas[selection]) return true;
  const entity = `${selection.replace(/Selection$/, '')}Dto`;
  const schema = schemas[entity];
  if (!schema || '$ref' in schema) return false;
  const { required: _required, ...rest } = schema;
  schemas[selection] = {
    ...rest,
    description: `${entity} with the properties $select asked for (all of them without $select).`,
  };
  return true;
}

/** Every `$ref` of the document (schemas included), to create the selections DTOs name. */
function references(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => references(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.add(value);
      else references(value, found);
    }
  }
  return found;
}

/**
 * `$select` returns only the properties asked for: the items of a collection an operation lets the caller
 * `$select` from are documented by a copy of the entity's schema with no required property.
 */
function documentSelection(document: OpenAPIObject): void {
  const schemas = (document.components ??= {}).schemas ?? {};
  for (const item of Object.values(document.paths)) {
    const operation = item.get;
    const selectable = operation?.parameters?.some((p) => 'name' in p && p.name === '$select');
    const ok = operation?.responses['200'];
    if (!selectable || !ok || !('content' in ok)) continue;
    const collection = schemas[referencedName(ok.content?.['application/json']?.schema) ?? ''];
    const value = collection && 'properties' in collection ? collection.properties?.value : undefined;
    if (!value || !('items' in value)) continue;
    const entity = referencedName(value.items);
    // A collection shared by two routes is rewritten once.
    if (!entity || entity.endsWith('Selection')) continue;
    const selection = `${entity.replace(/Dto$/, '')}Selection`;
    if (ensureSelection(schemas, selection)) value.items = { $ref: `${SCHEMAS}${selection}` };
  }
  for (const ref of references(document)) {
    if (ref.startsWith(SCHEMAS) && ref.endsWith('Selection'))
      ensureSelection(schemas, ref.slice(SCHEMAS.length));
  }
}

/**
 * The validation pipe refuses properties a DTO does not declare (`forbidNonWhitelisted`): every object of
 * a request body says so, unless it declares what else it takes (a map such as `customFields`).
 */
function documentClosedBodies(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const closed = new Set<object>();
  // An inline part of allOf/anyOf/oneOf only narrows the whole object, so it is left open itself.
  const close = (schema: SchemaObject | ReferenceObject | undefined, part = false): void => {
    if (!schema) return;
    if ('$ref' in schema) return close(schemas[referencedName(schema) ?? '']);
    if (closed.has(schema)) return;
    closed.add(schema);
    if (schema.properties) {
      if (!part) schema.additionalProperties ??= false;
      Object.values(schema.properties).forEach((property) => close(property));
    }
    close(schema.items);
    for (const alternative of [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
      close(alternative, true);
    }
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const body = item[method]?.requestBody;
      if (body && 'content' in body) Object.values(body.content).forEach((media) => close(media.schema));
    }
  }
}

/** Completes the generated document with what holds for every route, present and future. */
export function completeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  documentCommonErrors(document);
  documentSelection(document);
  documentClosedBodies(document);
  return document;
}
