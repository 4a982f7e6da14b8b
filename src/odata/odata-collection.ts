import type { Model } from 'mongoose';
import { normalizedPaths, readPath, type MongoFilter } from './entity-model';
import { keysetCondition } from './keyset';
import { ODATA_LIMITS } from './limits';
import type { ParsedODataQuery } from './odata-query';
import { createSkiptoken, readSkiptoken } from './skiptoken';

/** The OData collection body, keys in the order OData clients expect. */
export interface ODataCollection<T> {
  '@odata.context': string;
  '@odata.count'?: number;
  value: T[];
  '@odata.nextLink'?: string;
}

export interface RunODataQueryOptions<TResource> {
  /** The caller's scope, e.g. `{ tenantId }` or `{ tenantId, tabId }`: mandatory and never empty. */
  baseFilter: MongoFilter;
  /** Maps a stored document (normalized keys already removed) to the API shape. */
  toResource: (document: Record<string, any>) => TResource;
  /** Secret that signs `$skiptoken` (the service passes its configured secret). */
  skiptokenSecret: string | Buffer;
  /** Service root for `@odata.context`; default `<origin>/api/v1`. */
  serviceRoot?: string;
}

/**
 * Runs a parsed list query on a mongoose model within a mandatory base filter and renders the OData
 * collection body: one page (`limit(pageSize + 1)` tells whether there is more), the optional count of
 * the whole filtered set, and a keyset `@odata.nextLink`.
 */
export async function runODataQuery<TResource>(
  collection: Model<any>,
  query: ParsedODataQuery,
  options: RunODataQueryOptions<TResource>,
): Promise<ODataCollection<TResource>> {
  const { baseFilter } = options;
  if (!baseFilter || typeof baseFilter !== 'object' || Object.keys(baseFilter).length === 0) {
    throw new Error("runODataQuery needs a non-empty base filter (the caller's tenant scope)");
  }
  const scoped = combine([baseFilter, query.filter]);
  const position = query.skiptoken
    ? readSkiptoken(query.skiptoken, query.hash, query.sortKeys, options.skiptokenSecret)
    : undefined;
  const pageFilter = position ? combine([scoped, keysetCondition(query.sortKeys, position.values)]) : scoped;

  const find =
    query.pageSize === 0
      ? Promise.resolve([] as Record<string, any>[])
      : collection
          .find(pageFilter, query.projection ?? undefined)
          .sort(query.sort)
          .skip(position ? 0 : query.skip)
          .limit(query.pageSize + 1)
          .batchSize(query.pageSize + 1)
          // The filter is built from a validated tree with allow-listed operators; sanitizing would wrap them.
          .setOptions({ sanitizeFilter: false })
          .lean<Record<string, any>[]>()
          .exec();
  const [rows, count] = await Promise.all([
    find,
    query.count ? collection.countDocuments(scoped).exec() : undefined,
  ]);

  const hasMore = rows.length > query.pageSize;
  const page = hasMore ? rows.slice(0, query.pageSize) : rows;
  const body: Omit<ODataCollection<TResource>, 'value'> & { value?: TResource[] } = {
    '@odata.context': `${options.serviceRoot ?? `${query.request.origin}/api/v1`}/$metadata#${query.model.entitySet}`,
  };
  if (count !== undefined) body['@odata.count'] = count;
  let nextLink: string | undefined;
  if (hasMore) {
    const last = page[page.length - 1];
    const token = createSkiptoken(
      { values: query.sortKeys.map((key) => readPath(last, key.path) ?? null) },
      query.hash,
      options.skiptokenSecret,
    );
    nextLink = buildNextLink(query, token);
  }
  const hidden = normalizedPaths(query.model);
  body.value = page.map((row) => {
    for (const path of hidden) deletePath(row, path);
    return pickSelected(options.toResource(row), query.select);
  });
  if (nextLink) body['@odata.nextLink'] = nextLink;
  return body as ODataCollection<TResource>;
}

function combine(parts: Array<MongoFilter | undefined>): MongoFilter {
  const present = parts.filter((part): part is MongoFilter => Boolean(part && Object.keys(part).length));
  return present.length === 1 ? present[0] : { $and: present };
}

/**
 * The request URL with its original options, `$skip` dropped, `$skiptoken` set, and `$top` reduced by
 * this page when it asked for more than one page can hold (the link carries the remainder).
 */
export function buildNextLink(query: ParsedODataQuery, skiptoken: string): string {
  const parts: string[] = [];
  for (const [name, value] of query.request.parameters) {
    if (name === '$skip' || name === '$skiptoken' || name === '$top') continue;
    parts.push(`${encodeName(name)}=${encodeURIComponent(value)}`);
  }
  if (query.top !== undefined) {
    const remaining = query.top > ODATA_LIMITS.maxPageSize ? query.top - query.pageSize : query.top;
    parts.push(`$top=${remaining}`);
  }
  parts.push(`$skiptoken=${encodeURIComponent(skiptoken)}`);
  return `${query.request.url}?${parts.join('&')}`;
}

function encodeName(name: string): string {
  return name.startsWith('$') ? `$${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
}

function deletePath(document: Record<string, any>, path: string): void {
  const segments = path.split('.');
  const parents: Array<Record<string, any>> = [];
  let current: any = document;
  for (const segment of segments.slice(0, -1)) {
    if (!current || typeof current !== 'object') return;
    parents.push(current);
    current = current[segment];
  }
  if (!current || typeof current !== 'object') return;
  delete current[segments[segments.length - 1]];
  for (let i = parents.length - 1; i >= 0; i--) {
    const child = parents[i][segments[i]];
    if (child && typeof child === 'object' && !Array.isArray(child) && Object.keys(child).length === 0)
      delete parents[i][segments[i]];
    else break;
  }
}

/** With `$select`, keeps the selected properties (first path segment), `id` and the etag. */
export function pickSelected<T>(resource: T, select: string[] | undefined): T {
  if (!select || !resource || typeof resource !== 'object') return resource;
  const keep = new Set(['id', '@odata.etag', ...select.map((name) => name.split('/')[0])]);
  const picked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource as Record<string, unknown>))
    if (keep.has(key)) picked[key] = value;
  return picked as T;
}
