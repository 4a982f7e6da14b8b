/** Bounds on what a client may ask for; every one of them is checked before any expensive work. */
export const ODATA_LIMITS = {
  /** Raw length of one query option value, checked before parsing. */
  maxOptionLength: 4096,
  /** Lexical tokens in `$filter`, counted before parsing (the parser's cost grows with them). */
  maxFilterTokens: 160,
  /** Nested parentheses, function calls and lambdas in `$filter`, counted before parsing. */
  maxNestingDepth: 8,
  /** Nodes of the parsed `$filter` tree. */
  maxAstNodes: 160,
  /** Items of one `in (…)` list. */
  maxInListItems: 200,
  /** Characters of one literal. */
  maxLiteralLength: 512,
  /** Keys of `$orderby`. */
  maxOrderByItems: 5,
  /** Properties of `$select`. */
  maxSelectItems: 64,
  /** Terms and phrases of `$search`. */
  maxSearchTerms: 10,
  /** Default page size when `$top` is absent. */
  defaultTop: 50,
  /** Largest page; a larger `$top` is cut and continued through `@odata.nextLink`. */
  maxPageSize: 999,
  /** Largest `$skip`; deeper pages are reached through `$skiptoken`. */
  maxSkip: 10_000,
  /** Largest string length `length()` may be compared with (RE2, FerretDB's regex engine, caps repeats at 1000). */
  maxLengthOperand: 1000,
  /** Characters of one regex matched on collection elements (MongoDB refuses patterns over 32 764 bytes). */
  maxElementPatternLength: 8000,
} as const;
