import type { MongoFilter } from './entity-model';
import { ODATA_LIMITS } from './limits';
import { escapeRegex, normalizeText } from './normalize';
import { odataError } from './odata-error';

/**
 * Parses `$search`: words and "quoted phrases", all of which must match (AND). `AND` between terms is
 * accepted and changes nothing; `OR`, `NOT` and parentheses are a 400.
 */
export function parseSearch(text: string): string[] {
  if (text.length > ODATA_LIMITS.maxOptionLength) {
    throw odataError('$search', `$search is longer than ${ODATA_LIMITS.maxOptionLength} characters.`);
  }
  const terms: string[] = [];
  let i = 0;
  while (i < text.length) {
    const character = text[i];
    if (character === ' ' || character === '\t') {
      i++;
      continue;
    }
    let term: string;
    let start = i;
    if (character === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0)
        throw odataError(
          '$search',
          `The phrase starting at position ${i} in $search is never closed (missing ").`,
        );
      term = text.slice(i + 1, end);
      start = i;
      i = end + 1;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ' ' && text[end] !== '\t' && text[end] !== '"') end++;
      term = text.slice(i, end);
      i = end;
      if (term === 'AND') continue;
      if (term === 'OR' || term === 'NOT' || term.startsWith('(') || term.endsWith(')')) {
        throw odataError(
          '$search',
          `'${term}' at position ${start} in $search is not supported: terms are combined with AND.`,
        );
      }
    }
    if (term.length > ODATA_LIMITS.maxLiteralLength) {
      throw odataError(
        '$search',
        `The term at position ${start} in $search is longer than ${ODATA_LIMITS.maxLiteralLength} characters.`,
      );
    }
    if (term.trim()) terms.push(term.trim());
    if (terms.length > ODATA_LIMITS.maxSearchTerms) {
      throw odataError('$search', `$search may have at most ${ODATA_LIMITS.maxSearchTerms} terms.`);
    }
  }
  if (!terms.length) throw odataError('$search', '$search is empty.');
  return terms;
}

/**
 * A ready-made `$search` hook body: every term must be contained (case- and accent-insensitively) in
 * at least one of the given normalized paths.
 */
export function searchNormalizedPaths(normalizedPaths: readonly string[], terms: string[]): MongoFilter {
  const clauses = terms
    .map((term) => escapeRegex(normalizeText(term)))
    .filter((needle) => needle.length > 0)
    .map((needle) => ({ $or: normalizedPaths.map((path) => ({ [path]: { $regex: needle } })) }));
  if (!clauses.length) return {};
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}
