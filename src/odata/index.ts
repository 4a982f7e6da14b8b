export * from './api-odata-query.decorator';
export * from './api-odata-list.decorator';
export * from './ast';
export * from './csdl';
export * from './entity-model';
export { parseFilter } from './filter-parser';
export { translateFilter } from './filter-translator';
export * from './index-coverage';
export { keysetCondition } from './keyset';
export { ODATA_LIMITS } from './limits';
export { isCalendarDay, isNullLiteral, literalValue, stringLiteralText, type LiteralValue } from './literals';
export * from './normalize';
export * from './odata-collection';
export * from './odata-query';
export { ODataOptions, ODataQuery } from './odata-query.decorator';
export {
  ALLOWED_FILTER_OPERATORS,
  assertAllowedOperators,
  findDisallowedOperators,
} from './operator-allow-list';
export { effectiveSortKeys, parseOrderBy, sortDocument, type SortKey } from './orderby';
export { parseSearch, searchNormalizedPaths } from './search';
export { parseSelect, projectionFor } from './select';
export { createSkiptoken, openToken, queryHash, readSkiptoken, sealToken } from './skiptoken';
