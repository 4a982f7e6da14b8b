import { escapeRegex, normalizeText, type MongoFilter } from '../../odata';

/**
 * `$search` on contacts through stored keys, never an unanchored regex over the collection: each contact
 * stores `searchKeys`, the normalized words of its searchable fields, and each search term becomes an
 * anchored prefix (`^term`) on that array, which a multikey index `(tenantId, tabId, searchKeys)` bounds.
 *
 * A word's keys are its suffixes that start a letter/digit run, so `o'brien-smith` stores `o'brien-smith`,
 * `brien-smith` and `smith`, and `jo.smith@contoso.com` stores `jo.smith@contoso.com`,
 * `smith@contoso.com`, `contoso.com` and `com`: a term matches the start of any word, of any part of an
 * e-mail address (local part, domain) and of a whole address. Phone numbers store their digits from each
 * digit group on (`+1 (425) 555-0109`: `14255550109`, `4255550109`, `5550109`, `0109`), and a term made
 * of digits and phone punctuation searches by its digits.
 */

/** Longest key (and search prefix) kept: enough to tell words apart, short enough for index keys. */
export const SEARCH_KEY_LENGTH = 64;
/** Keys per contact: the built-in fields come first, so long custom texts are what the cap cuts. */
export const MAX_SEARCH_KEYS = 512;

const WORD_START = /(?<![\p{L}\p{N}])[\p{L}\p{N}]/gu;
const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;
const PHONE_LIKE = /^\+?[\d\s().\-/]*\d[\d\s().\-/]*$/;

function clip(key: string): string {
  return key.length > SEARCH_KEY_LENGTH ? key.slice(0, SEARCH_KEY_LENGTH) : key;
}

/** The keys of a text: for each whitespace-separated token, its suffixes starting a letter/digit run. */
export function textKeys(text: string): string[] {
  const keys: string[] = [];
  for (const raw of normalizeText(text).split(' ')) {
    const token = raw.replace(EDGE_PUNCTUATION, '');
    if (!token) continue;
    for (const match of token.matchAll(WORD_START)) keys.push(clip(token.slice(match.index)));
  }
  return keys;
}

/** The digits of a phone number, the form search compares. */
export function phoneDigits(number: string): string {
  return number.replace(/\D+/g, '');
}

/** The digits from each digit group on: a term may start at the country code, the area code or later. */
export function phoneKeys(number: string): string[] {
  const groups = number.split(/\D+/).filter(Boolean);
  return groups.map((_, index) => clip(groups.slice(index).join('')));
}

/** Collects keys in priority order, without duplicates, up to {@link MAX_SEARCH_KEYS}. */
export class SearchKeys {
  private readonly keys = new Set<string>();

  add(keys: Iterable<string>): this {
    for (const key of keys) {
      if (this.keys.size >= MAX_SEARCH_KEYS) break;
      if (key) this.keys.add(key);
    }
    return this;
  }

  toArray(): string[] {
    return [...this.keys];
  }
}

/** The prefixes one `$search` term (or quoted phrase) requires: one per word, or its digits. */
export function termPrefixes(term: string): string[] {
  const normalized = normalizeText(term);
  if (PHONE_LIKE.test(normalized)) return [clip(phoneDigits(normalized))];
  return normalized
    .split(' ')
    .map((word) => clip(word.replace(EDGE_PUNCTUATION, '')))
    .filter(Boolean);
}

/**
 * The filter of `$search` terms: every prefix must start some key (AND). A prefix that starts another
 * required prefix adds nothing (the key matching the longer one matches it too) and is left out.
 */
export function searchFilter(terms: string[]): MongoFilter {
  const prefixes = [...new Set(terms.flatMap(termPrefixes))];
  const needed = prefixes.filter(
    (prefix) => !prefixes.some((other) => other !== prefix && other.startsWith(prefix)),
  );
  const clauses = needed.map((prefix) => ({ searchKeys: { $regex: `^${escapeRegex(prefix)}` } }));
  if (clauses.length === 0) return {};
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}
