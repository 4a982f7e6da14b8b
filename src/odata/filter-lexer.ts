import type { LiteralNode } from './ast';
import { checkParentheses, checkStructure } from './filter-structure';
import type { Token, TokenKind } from './filter-token';
import { ODATA_LIMITS } from './limits';
import { odataError } from './odata-error';

/**
 * A lexical pre-pass over `$filter`, run before odata-v4-parser:
 * - rejects control characters, broken UTF-16, stray characters, unterminated strings, unbalanced or
 *   too deep parentheses, too many tokens, over-long literals and misplaced operators with a precise
 *   position (the parser itself only says "Fail at N");
 * - masks the inside of string literals (the parser rejects non-ASCII text there; literal values are read
 *   back from the original text by position, so masking keeps every offset);
 * - rewrites OData 4.01 `<expr> in (<literal>, …)`, which the parser lacks, into `<expr> eq   @i` of the
 *   same length; the parser then builds an ordinary comparison whose alias position finds the list again.
 * Tokens are read here; what concerns their order (parentheses, operators, functions, lambdas, `in` lists)
 * is checked in filter-structure.ts.
 */

export interface PreparedFilter {
  /** The client's text. */
  source: string;
  /** Same length as `source`: strings masked, `in` lists replaced. */
  masked: string;
  /** `in` lists by the position of their `@i` alias in `masked`. */
  inLists: Map<number, LiteralNode[]>;
}

const CHARACTER_HINTS: Record<string, string> = {
  '=': "use 'eq' to compare",
  '"': 'string literals are written in single quotes',
  '{': 'JSON objects are not allowed in a filter',
  '}': 'JSON objects are not allowed in a filter',
  '[': 'JSON arrays are not allowed; use in (…) for a list',
  ']': 'JSON arrays are not allowed; use in (…) for a list',
  '!': "use 'not' or 'ne'",
  '&': "use 'and'",
  '|': "use 'or'",
  '<': "use 'lt' or 'le'",
  '>': "use 'gt' or 'ge'",
};

// Control characters (tab excepted) and unpaired surrogates: what a client must never send.
const FORBIDDEN_CHARACTERS =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isWordCharacter(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    code === 0x5f || // _
    code === 0x2e || // .
    code === 0x24 || // $
    code === 0x40 || // @
    code === 0x2b || // +
    code === 0x2d || // -
    code === 0x3a // :
  );
}

/** Rejects characters no option may contain: control characters and unpaired surrogates (not UTF-8). */
export function assertPrintable(text: string, option: string): void {
  const match = FORBIDDEN_CHARACTERS.exec(text);
  if (!match) return;
  const code = match[0].charCodeAt(0);
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  const what =
    code >= 0xd800 && code <= 0xdfff ? 'an invalid (unpaired surrogate) character' : 'a control character';
  throw odataError(option, `${option} contains ${what} U+${hex} at position ${match.index}.`);
}

function tokenize(source: string, masked: string[]): Token[] {
  const tokens: Token[] = [];
  const length = source.length;
  let i = 0;
  while (i < length) {
    const code = source.charCodeAt(i);
    if (code === 0x20 || code === 0x09) {
      i++;
      continue;
    }
    if (code === 0x27) {
      const end = readString(source, i, masked);
      tokens.push({ kind: 'string', text: source.slice(i, end), start: i, end });
      i = end;
      continue;
    }
    if (isWordCharacter(code)) {
      let end = i + 1;
      while (end < length && isWordCharacter(source.charCodeAt(end))) end++;
      if (end < length && source.charCodeAt(end) === 0x27) {
        // A prefixed literal such as duration'P1D': one token, left unmasked for the parser to read.
        end = readString(source, end, undefined);
        tokens.push({ kind: 'string', text: source.slice(i, end), start: i, end });
      } else {
        tokens.push({ kind: 'word', text: source.slice(i, end), start: i, end });
      }
      i = end;
      continue;
    }
    const kind: TokenKind | undefined =
      code === 0x28
        ? 'open'
        : code === 0x29
          ? 'close'
          : code === 0x2c
            ? 'comma'
            : code === 0x2f
              ? 'slash'
              : undefined;
    if (!kind) {
      const character = String.fromCodePoint(source.codePointAt(i) ?? code);
      const hint = CHARACTER_HINTS[character];
      throw odataError(
        '$filter',
        `Syntax error at position ${i} in $filter: unexpected character '${character}'${hint ? ` (${hint})` : ''}.`,
      );
    }
    tokens.push({ kind, text: source[i], start: i, end: i + 1 });
    i++;
  }
  return tokens;
}

/** Reads a single-quoted literal starting at `start` (a quote); doubled quotes escape a quote. */
function readString(source: string, start: number, masked: string[] | undefined): number {
  let i = start + 1;
  for (;;) {
    const quote = source.indexOf("'", i);
    if (quote < 0) {
      throw odataError(
        '$filter',
        `Syntax error at position ${start} in $filter: the string literal is never closed (missing ').`,
      );
    }
    if (source.charCodeAt(quote + 1) === 0x27) {
      i = quote + 2;
      continue;
    }
    if (quote - start - 1 > ODATA_LIMITS.maxLiteralLength) {
      throw odataError(
        '$filter',
        `The literal at position ${start} in $filter is longer than ${ODATA_LIMITS.maxLiteralLength} characters.`,
      );
    }
    if (masked) for (let k = start + 1; k < quote; k++) masked[k] = 'x';
    return quote + 1;
  }
}

/** Runs the pre-pass; throws a 400 naming `$filter` and a position on anything malformed. */
export function prepareFilter(source: string): PreparedFilter {
  if (source.trim() === '') throw odataError('$filter', '$filter is empty.');
  assertPrintable(source, '$filter');
  const masked = source.split('');
  const tokens = tokenize(source, masked);
  // A cheap first bound (the largest in-list plus the parser's budget) before any structural work.
  if (tokens.length > ODATA_LIMITS.maxFilterTokens + 2 * ODATA_LIMITS.maxInListItems + 4)
    throw tooComplex(tokens.length);
  checkParentheses(tokens);
  const inLists = new Map<number, LiteralNode[]>();
  checkStructure(tokens, source, masked, inLists);
  // What the parser will see: an `in` list collapses to one alias, so long lists stay cheap.
  let parsed = tokens.length;
  for (const items of inLists.values()) parsed -= items.length * 2 + 1;
  if (parsed > ODATA_LIMITS.maxFilterTokens) throw tooComplex(parsed);
  return { source, masked: masked.join(''), inLists };
}

function tooComplex(count: number): Error {
  return odataError(
    '$filter',
    `$filter is too complex: ${count} tokens, at most ${ODATA_LIMITS.maxFilterTokens} are allowed (use 'in (…)' instead of long 'or' chains).`,
  );
}
