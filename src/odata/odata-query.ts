import type { FilterNode } from './ast';
import type { EntityModel, MongoFilter, QueryContext } from './entity-model';
import { assertPrintable } from './filter-lexer';
import { parseFilter } from './filter-parser';
import { translateFilter } from './filter-translator';
import { ODATA_LIMITS } from './limits';
import { odataError, quoteInput } from './odata-error';
import { assertAllowedOperators } from './operator-allow-list';
import { effectiveSortKeys, parseOrderBy, sortDocument, type SortKey } from './orderby';
import { parseSearch } from './search';
import { parseSelect, projectionFor } from './select';
import { queryHash } from './skiptoken';

/** The query string as Fastify parses it: repeated keys become arrays. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** The options of one list request, checked for unknown and repeated options but not yet parsed. */
export interface ODataRequest {
  /** Every query parameter in request order, `$` options and others (kept for `@odata.nextLink`). */
  parameters: Array<[string, string]>;
  /** The `$` options by name. */
  options: Partial<Record<SystemQueryOption, string>>;
  /** Absolute URL of the request without its query string, e.g. `https://host/api/v1/users`. */
  url: string;
  /** Origin of the request, e.g. `https://host`. */
  origin: string;
}

/** A list request parsed and translated for one entity model: everything the run helper needs. */
export interface ParsedODataQuery {
  model: EntityModel;
  request: ODataRequest;
  /** Parsed `$filter`, for diagnostics and tests. */
  filterTree?: FilterNode;
  /** Translated `$filter` and `$search` (without the caller's base filter). */
  filter?: MongoFilter;
  searchTerms?: string[];
  /** Effective sort keys including the id tie-breaker. */
  sortKeys: SortKey[];
  sort: Record<string, 1 | -1>;
  /** Selected OData property names; undefined means all. */
  select?: string[];
  /** Inclusion projection when `$select` is given (always with id, etag and sort paths). */
  projection?: Record<string, 1>;
  /** `$top` as requested (undefined when absent). */
  top?: number;
  /** Rows on this page: min($top, 999), 50 by default. */
  pageSize: number;
  skip: number;
  count: boolean;
  skiptoken?: string;
  /** Hash of the canonical query, which a `$skiptoken` must carry. */
  readonly hash: string;
}

export const SYSTEM_QUERY_OPTIONS = [
  '$filter',
  '$select',
  '$orderby',
  '$top',
  '$skip',
  '$count',
  '$search',
  '$skiptoken',
  '$deltatoken',
] as const;
export type SystemQueryOption = (typeof SYSTEM_QUERY_OPTIONS)[number];
const KNOWN = new Set<string>(SYSTEM_QUERY_OPTIONS);

/**
 * Reads the `$` options of a request: unknown `$` options and repeated options are a 400, values longer
 * than the limit are a 400 before anything parses them. Other parameters are kept as they are.
 */
export function readODataRequest(query: RawQuery, url: string, origin = ''): ODataRequest {
  const parameters: Array<[string, string]> = [];
  const options: Partial<Record<SystemQueryOption, string>> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (name.startsWith('$')) {
      if (!KNOWN.has(name)) {
        throw odataError(
          name,
          `The query option ${quoteInput(name)} is not supported. Supported options: ${SYSTEM_QUERY_OPTIONS.join(', ')}.`,
        );
      }
      if (Array.isArray(value)) throw odataError(name, `The query option '${name}' is given more than once.`);
      if (typeof value !== 'string') throw odataError(name, `The query option '${name}' must be text.`);
      if (value.length > ODATA_LIMITS.maxOptionLength) {
        throw odataError(name, `${name} is longer than ${ODATA_LIMITS.maxOptionLength} characters.`);
      }
      assertPrintable(value, name);
      options[name as SystemQueryOption] = value;
      parameters.push([name, value]);
    } else {
      for (const item of Array.isArray(value) ? value : [value]) parameters.push([name, String(item)]);
    }
  }
  return { parameters, options, url, origin };
}

function nonNegativeInteger(option: SystemQueryOption, value: string): number {
  if (!/^\d{1,9}$/.test(value.trim()))
    throw odataError(option, `${option} must be a non-negative integer, not ${quoteInput(value)}.`);
  return Number(value.trim());
}

/**
 * Parses and translates the options of a request for an entity model; `context` is the caller, for a
 * model whose properties translate themselves (see {@link translateFilter}).
 */
export function parseODataQuery(
  request: ODataRequest,
  model: EntityModel,
  context?: QueryContext,
): ParsedODataQuery {
  const { options } = request;
  if (options.$deltatoken !== undefined) {
    throw odataError('$deltatoken', '$deltatoken is accepted only by delta routes (…/delta).');
  }
  const { filterTree, filter, searchTerms } = filterAndSearch(options, model, context);
  const sortKeys = effectiveSortKeys(parseOrderBy(options.$orderby, model), model);
  const select = parseSelect(options.$select, model);
  const projection = select
    ? projectionFor(
        model,
        select,
        sortKeys.map((key) => key.path),
      )
    : undefined;
  const { top, skip, count } = paging(options);
  let hash: string | undefined;
  return {
    model,
    request,
    filterTree,
    filter,
    searchTerms,
    sortKeys,
    sort: sortDocument(sortKeys),
    select,
    projection,
    top,
    pageSize: Math.min(top ?? ODATA_LIMITS.defaultTop, ODATA_LIMITS.maxPageSize),
    skip,
    count,
    skiptoken: options.$skiptoken,
    // Computed only when a token is read or written.
    get hash() {
      hash ??= queryHash([
        model.name,
        filter ?? null,
        searchTerms ?? null,
        sortKeys.map((key) => [key.path, key.direction]),
        select ?? null,
      ]);
      return hash;
    },
  };
}

/** `$filter` and `$search` translated, and-ed into one filter (without the caller's base filter). */
function filterAndSearch(
  options: ODataRequest['options'],
  model: EntityModel,
  context: QueryContext | undefined,
): Pick<ParsedODataQuery, 'filterTree' | 'filter' | 'searchTerms'> {
  let filterTree: FilterNode | undefined;
  const parts: MongoFilter[] = [];
  if (options.$filter !== undefined) {
    filterTree = parseFilter(options.$filter);
    parts.push(translateFilter(filterTree, model, context));
  }
  let searchTerms: string[] | undefined;
  if (options.$search !== undefined) {
    if (!model.search) throw odataError('$search', `$search is not supported on type '${model.name}'.`);
    searchTerms = parseSearch(options.$search);
    const searchFilter = model.search(searchTerms);
    // The hook is the entity's code, not the translator's: hold it to the same operator allow-list.
    assertAllowedOperators(searchFilter);
    if (Object.keys(searchFilter).length) parts.push(searchFilter);
  }
  const filter = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { $and: parts };
  return { filterTree, filter, searchTerms };
}

/** `$top`, `$skip` (bounded, and not with `$skiptoken`) and `$count`. */
function paging(options: ODataRequest['options']): Pick<ParsedODataQuery, 'top' | 'skip' | 'count'> {
  const top = options.$top === undefined ? undefined : nonNegativeInteger('$top', options.$top);
  const skip = options.$skip === undefined ? 0 : nonNegativeInteger('$skip', options.$skip);
  if (skip > ODATA_LIMITS.maxSkip) {
    throw odataError(
      '$skip',
      `$skip may be at most ${ODATA_LIMITS.maxSkip}; to read further, follow @odata.nextLink (it pages with $skiptoken at constant cost).`,
    );
  }
  if (options.$skiptoken !== undefined && options.$skip !== undefined) {
    throw odataError(
      '$skip',
      '$skip cannot be combined with $skiptoken: the token already says where the page starts.',
    );
  }
  let count = false;
  if (options.$count !== undefined) {
    if (options.$count !== 'true' && options.$count !== 'false') {
      throw odataError('$count', `$count must be 'true' or 'false', not ${quoteInput(options.$count)}.`);
    }
    count = options.$count === 'true';
  }
  return { top, skip, count };
}
