/**
 * The one text normalization shared by queries and stored documents: case- and accent-insensitive
 * matching and sorting compare these keys, so services must store them through the same functions.
 */

const COMBINING_MARKS = /\p{M}+/gu;
const WHITESPACE_RUNS = /\s+/g;
const FINAL_SIGMA = /ς/g;
const REGEX_METACHARACTERS = /[.*+?^${}()|[\]\\/-]/g;

/**
 * Folds text for comparison without trimming: NFKD, combining marks stripped, lower case (final sigma
 * folded to sigma so a fragment and a whole word agree), whitespace runs collapsed to one space.
 * Used for fragments of text (contains/startswith/endswith), where a leading or trailing space matters.
 */
export function foldText(value: string): string {
  return value
    .normalize('NFKD')
    .toLowerCase()
    .replace(COMBINING_MARKS, '')
    .replace(FINAL_SIGMA, 'σ')
    .replace(WHITESPACE_RUNS, ' ');
}

/** The normalized key of a whole value: {@link foldText} plus trimmed. Stored in `norm.*` fields. */
export function normalizeText(value: string): string {
  return foldText(value).trim();
}

/** Escapes user text so that it matches itself literally, both in PCRE (MongoDB) and RE2 (FerretDB). */
export function escapeRegex(value: string): string {
  return value.replace(REGEX_METACHARACTERS, '\\$&');
}
