import { ApiError } from '../common/errors/api-error';

/** How much control information a response carries (OData JSON Format, "metadata" parameter). */
export type MetadataLevel = 'minimal' | 'full' | 'none';

/** The JSON format a client asked for with the format parameters of `Accept`. */
export interface JsonFormat {
  metadata: MetadataLevel;
  /** `odata.streaming=true`: control information before the properties it precedes. */
  streaming: boolean;
  /** `IEEE754Compatible=true`: Edm.Int64 values as strings; the only one is `@odata.count`. */
  ieee754Compatible: boolean;
  /** Whether the client named any OData format parameter (only then is the Content-Type told). */
  requested: boolean;
}

export const DEFAULT_JSON_FORMAT: JsonFormat = {
  metadata: 'minimal',
  streaming: false,
  ieee754Compatible: false,
  requested: false,
};

/** The media ranges a JSON answer satisfies. */
const JSON_RANGES = new Set(['application/json', 'application/*', '*/*']);
const LEVELS = new Set<string>(['minimal', 'full', 'none']);
const BOOLEANS = new Set(['true', 'false']);

/** The format a range's parameters ask for, or undefined when one of them is unknown or unsupported. */
function formatOf(parameters: ReadonlyArray<readonly [string, string]>): JsonFormat | undefined {
  const format = { ...DEFAULT_JSON_FORMAT };
  for (const [name, value] of parameters) {
    if (name === 'q') continue;
    if (name === 'charset') {
      if (value !== 'utf-8') return undefined;
    } else if (name === 'odata.metadata' || name === 'metadata') {
      if (!LEVELS.has(value)) return undefined;
      format.metadata = value as MetadataLevel;
    } else if (name === 'odata.streaming' || name === 'streaming') {
      if (!BOOLEANS.has(value)) return undefined;
      format.streaming = value === 'true';
    } else if (name === 'ieee754compatible') {
      if (!BOOLEANS.has(value)) return undefined;
      format.ieee754Compatible = value === 'true';
    } else if (name === 'exponentialdecimals') {
      // No property is an Edm.Decimal: either value describes the same payload.
      if (!BOOLEANS.has(value)) return undefined;
    } else {
      return undefined;
    }
    format.requested = true;
  }
  return format;
}

/**
 * The JSON format `Accept` asks for. OData (Protocol, "Header Accept") says services MUST reject
 * formats with unknown or unsupported format parameters: a JSON range whose parameters cannot be
 * honoured is not acceptable, and when nothing else is left the answer is 406 Not Acceptable. Other
 * media ranges are not negotiated here (every route but `$metadata` and the exports answers JSON).
 */
export function negotiateJsonFormat(accept: string | undefined): JsonFormat {
  if (accept === undefined || !accept.includes(';')) return DEFAULT_JSON_FORMAT;
  let best: { format: JsonFormat; quality: number } | undefined;
  let rejected = false;
  let otherRanges = false;
  for (const range of accept.split(',')) {
    const [type, ...rest] = range.split(';').map((part) => part.trim().toLowerCase());
    if (!JSON_RANGES.has(type)) {
      otherRanges ||= type !== '';
      continue;
    }
    const parameters = rest
      .filter((part) => part !== '')
      .map((part) => {
        const equals = part.indexOf('=');
        const name = equals < 0 ? part : part.slice(0, equals).trim();
        const value = equals < 0 ? '' : part.slice(equals + 1).trim();
        return [name, value.replace(/^"(.*)"$/, '$1')] as const;
      });
    const q = parameters.find(([name]) => name === 'q');
    const quality = q === undefined ? 1 : Number(q[1]);
    if (!Number.isFinite(quality) || quality <= 0) continue;
    const format = formatOf(parameters);
    if (!format) {
      rejected = true;
      continue;
    }
    if (!best || quality > best.quality) best = { format, quality };
  }
  if (best) return best.format;
  // Another media type may still be served (`$metadata` in XML, the exports).
  if (rejected && !otherRanges) {
    throw ApiError.notAcceptable(
      'Accept asks for JSON with format parameters the service does not support: it supports ' +
        'odata.metadata=minimal|full|none, odata.streaming=true|false, IEEE754Compatible=true|false and charset=utf-8.',
      'Accept',
    );
  }
  return DEFAULT_JSON_FORMAT;
}

/** The Content-Type of a JSON answer in `format`, parameters as OData 4.0 names them. */
export function jsonContentType(format: JsonFormat): string {
  return [
    'application/json',
    `odata.metadata=${format.metadata}`,
    ...(format.streaming ? ['odata.streaming=true'] : []),
    ...(format.ieee754Compatible ? ['IEEE754Compatible=true'] : []),
    'charset=utf-8',
  ].join('; ');
}

/** What the shaping needs to know about the entities of one response. */
export interface EntityDescription {
  /** Entity set, e.g. `contacts`, for the context URL `$metadata#contacts/$entity`. */
  entitySet: string;
  /** Qualified entity type, as `$metadata` declares it: `ContactPro.contact`. */
  type: string;
  /** The entity's canonical URL (its entity-id), or undefined when the entity lacks what it takes. */
  idOf: (entity: Record<string, unknown>) => string | undefined;
}

type JsonObject = Record<string, unknown>;

/** Control information that `metadata=none` drops; `nextLink`, `deltaLink` and `count` always stay. */
const DROPPED_WITHOUT_METADATA = new Set(['@odata.context', '@odata.etag', '@odata.type', '@odata.id']);

/** Control information first (`@odata.context`, then type, id, etag), as streaming payloads order them. */
function controlFirst(object: JsonObject, control: JsonObject): JsonObject {
  const shaped: JsonObject = { ...control };
  for (const [name, value] of Object.entries(object)) {
    if (name.startsWith('@odata.') && !(name in shaped)) shaped[name] = value;
  }
  for (const [name, value] of Object.entries(object)) if (!name.startsWith('@odata.')) shaped[name] = value;
  return shaped;
}

function shapeEntity(
  entity: JsonObject,
  format: JsonFormat,
  description: EntityDescription | undefined,
  context?: string,
): JsonObject {
  if (format.metadata === 'none') return withoutControl(entity);
  const control: JsonObject = {};
  if (context !== undefined) control['@odata.context'] = context;
  if (format.metadata === 'full' && description) {
    // A deleted entity of a delta response is identified, not typed.
    if (entity['@removed'] === undefined) control['@odata.type'] = `#${description.type}`;
    const id = description.idOf(entity);
    if (id !== undefined) control['@odata.id'] = id;
  }
  return controlFirst(entity, control);
}

function withoutControl(object: JsonObject): JsonObject {
  const shaped: JsonObject = {};
  for (const [name, value] of Object.entries(object)) {
    if (!DROPPED_WITHOUT_METADATA.has(name)) shaped[name] = value;
  }
  return shaped;
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A JSON answer (collection, delta page or single entity) in the requested format: `full` adds
 * `@odata.type` and `@odata.id` to each entity (and a context URL to a single one), `none` drops the
 * control information other than paging and count, `minimal` is the answer as the route wrote it.
 */
export function shapeJsonBody(
  body: JsonObject,
  format: JsonFormat,
  description: EntityDescription | undefined,
  serviceRoot: string,
): JsonObject {
  const top: JsonObject = { ...body };
  if (format.ieee754Compatible && typeof top['@odata.count'] === 'number') {
    top['@odata.count'] = String(top['@odata.count']);
  }
  if (Array.isArray(body.value)) {
    top.value = body.value.map((item: unknown) =>
      isObject(item) && typeof item.id === 'string' ? shapeEntity(item, format, description) : item,
    );
    return format.metadata === 'none' ? withoutControl(top) : controlFirst(top, {});
  }
  if (description && typeof body.id === 'string') {
    const context =
      format.metadata === 'full' ? `${serviceRoot}/$metadata#${description.entitySet}/$entity` : undefined;
    return shapeEntity(top, format, description, context);
  }
  return format.metadata === 'none' ? withoutControl(top) : top;
}
