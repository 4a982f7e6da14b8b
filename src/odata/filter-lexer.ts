import { literal as parseLiteral } from 'odata-v4-parser';
import type { LiteralNode } from './ast';
import { ODATA_LIMITS } from './limits';
import { odataError, quoteInput } from './odata-error';

/**
 * A lexical pre-pass over `$filter`, run before odata-v4-parser:
 * - rejects control characters, broken UTF-16, stray characters, unterminated strings, unbalanced or
 *   too deep parentheses, too many tokens, over-long literals and misplaced operators with a precise
 *   position (the parser itself only says "Fail at N");
 * - masks the inside of string literals (the parser rejects non-ASCII text there; literal values are read
 *   back from the original text by position, so masking keeps every offset);
 * - rewrites OData 4.01 `<expr> in (<literal>, …)`, which the parser lacks, into `<expr> eq   @i` of the
 *   same length; the parser then builds an ordinary comparison whose alias position finds the list again.
 */

export interface PreparedFilter {
  /** The client's text. */
  source: string;
  /** Same length as `source`: strings masked, `in` lists replaced. */
  masked: string;
  /** `in` lists by the position of their `@i` alias in `masked`. */
  inLists: Map<number, LiteralNode[]>;
}

type TokenKind = 'word' | 'string' | 'open' | 'close' | 'comma' | 'slash';

interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

/** Binary operators: after them an operand must follow. */
const BINARY_OPERATORS = new Set([
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
  'and',
  'or',
  'has',
  'add',
  'sub',
  'mul',
  'div',
  'mod',
  'in',
]);

/** Functions the engine translates. */
export const SUPPORTED_FUNCTIONS = new Set([
  'contains',
  'startswith',
  'endswith',
  'tolower',
  'toupper',
  'length',
  'year',
  'month',
  'day',
]);

/** Functions OData defines but this engine does not translate: a clearer 400 than "unknown function". */
const UNSUPPORTED_FUNCTIONS = new Set([
  'indexof',
  'substring',
  'substringof',
  'trim',
  'concat',
  'hour',
  'minute',
  'second',
  'fractionalseconds',
  'totalseconds',
  'date',
  'time',
  'round',
  'floor',
  'ceiling',
  'now',
  'mindatetime',
  'maxdatetime',
  'totaloffsetminutes',
  'isof',
  'cast',
  'geo.distance',
  'geo.length',
  'geo.intersects',
  'matchespattern',
]);

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

function syntaxError(position: number, message: string): never {
  throw odataError('$filter', `Syntax error at position ${position} in $filter: ${message}`);
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

function checkParentheses(tokens: Token[]): void {
  const open: Token[] = [];
  for (const token of tokens) {
    if (token.kind === 'open') {
      open.push(token);
      if (open.length > ODATA_LIMITS.maxNestingDepth) {
        throw odataError(
          '$filter',
          `$filter is nested too deeply at position ${token.start}: at most ${ODATA_LIMITS.maxNestingDepth} levels of parentheses, function calls and lambdas are allowed.`,
        );
      }
    } else if (token.kind === 'close') {
      if (!open.pop()) syntaxError(token.start, "')' has no matching '('.");
    }
  }
  const unclosed = open.pop();
  if (unclosed) syntaxError(unclosed.start, "'(' is never closed.");
}

type Context = 'group' | 'call' | 'lambda';

/**
 * A light operand/operator state machine over the tokens. It only reports what is certainly wrong (two
 * operands in a row, an operator with no operand, unknown functions); the parser has the last word.
 */
function checkStructure(
  tokens: Token[],
  source: string,
  masked: string[],
  inLists: Map<number, LiteralNode[]>,
): void {
  const stack: Context[] = [];
  let expectOperand = true;
  let afterSlash = false;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    const next = tokens[index + 1] as Token | undefined;
    if (expectOperand) {
      switch (token.kind) {
        case 'word': {
          if (!afterSlash && BINARY_OPERATORS.has(token.text)) {
            syntaxError(
              token.start,
              `expected a value (a property, a literal or a function call) before '${token.text}'.`,
            );
          }
          if (!afterSlash && token.text === 'not') {
            if (!next) syntaxError(token.start, "'not' must be followed by a condition.");
            if (next.start === token.end) syntaxError(token.end, "expected a space after 'not'.");
            break;
          }
          if (next?.kind === 'open' && next.start === token.end) {
            const isLambda = afterSlash && (token.text === 'any' || token.text === 'all');
            if (!isLambda) checkFunctionName(token);
            stack.push(isLambda ? 'lambda' : 'call');
            index++;
            afterSlash = false;
            if (tokens[index + 1]?.kind === 'close') {
              if (!(isLambda && token.text === 'any'))
                syntaxError(tokens[index + 1].start, `${token.text}() needs arguments.`);
              stack.pop();
              index++;
              expectOperand = false;
              break;
            }
            if (isLambda) index = skipLambdaVariable(tokens, index, token, masked);
            break;
          }
          if (!afterSlash && token.text.startsWith('$') && token.text !== '$it') {
            throw odataError(
              '$filter',
              `${quoteInput(token.text)} at position ${token.start} is not allowed in $filter: only properties, literals and functions may appear.`,
            );
          }
          afterSlash = false;
          expectOperand = false;
          break;
        }
        case 'string':
          afterSlash = false;
          expectOperand = false;
          break;
        case 'open':
          stack.push('group');
          break;
        default:
          syntaxError(
            token.start,
            `expected a value (a property, a literal or a function call) before '${token.text}'.`,
          );
      }
      continue;
    }
    switch (token.kind) {
      case 'word':
        if (token.text === 'in' && next?.kind === 'open') {
          index = rewriteInList(tokens, index, source, masked, inLists);
          break;
        }
        if (!BINARY_OPERATORS.has(token.text)) {
          syntaxError(
            token.start,
            `expected an operator (eq, ne, gt, ge, lt, le, in, and, or) or the end of the expression before ${quoteInput(token.text)}.`,
          );
        }
        if (token.text === 'in')
          syntaxError(token.end, "expected a list of literals in parentheses after 'in'.");
        expectOperand = true;
        break;
      case 'slash':
        if (!next || next.kind !== 'word' || next.start !== token.end)
          syntaxError(token.start, "expected a property name after '/'.");
        expectOperand = true;
        afterSlash = true;
        break;
      case 'close':
        stack.pop();
        break;
      case 'comma':
        if (stack[stack.length - 1] !== 'call') syntaxError(token.start, "unexpected ','.");
        expectOperand = true;
        break;
      default:
        syntaxError(
          token.start,
          `expected an operator (eq, ne, gt, ge, lt, le, in, and, or) or the end of the expression before ${quoteInput(token.text)}.`,
        );
    }
  }
  if (expectOperand) {
    const last = tokens[tokens.length - 1];
    syntaxError(last.end, `the expression ends too early after '${last.text}'.`);
  }
}

function checkFunctionName(token: Token): void {
  if (SUPPORTED_FUNCTIONS.has(token.text)) return;
  if (UNSUPPORTED_FUNCTIONS.has(token.text)) {
    throw odataError(
      '$filter',
      `The function '${token.text}' at position ${token.start} in $filter is not supported.`,
    );
  }
  if (token.text === 'not') syntaxError(token.end, "expected a space after 'not'.");
  if (token.text === 'any' || token.text === 'all') {
    syntaxError(
      token.start,
      `${token.text}() must follow a collection property, e.g. categories/${token.text}(c: c eq 'x').`,
    );
  }
  throw odataError(
    '$filter',
    `Unknown function ${quoteInput(token.text)} at position ${token.start} in $filter. Supported functions: ${[...SUPPORTED_FUNCTIONS].join(', ')}.`,
  );
}

const LAMBDA_VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Skips the lambda variable declaration after `any(`/`all(`: `v:`, `v :`, `v: `, `v : ` or `v:x` (the ABNF
 * allows optional whitespace on both sides of the ':'). ':' is a word character (time literals hold it),
 * so a ':' glued to a neighbour is split off it here first.
 */
function skipLambdaVariable(tokens: Token[], openIndex: number, lambda: Token, masked: string[]): number {
  const first = tokens[openIndex + 1];
  const glued = first ? /^[A-Za-z_][A-Za-z0-9_]*:/.exec(first.text) : null;
  if (glued) {
    if (first.text.length > glued[0].length) splitToken(tokens, openIndex + 1, glued[0].length, masked);
    return openIndex + 1;
  }
  const colon = tokens[openIndex + 2];
  if (first?.kind === 'word' && LAMBDA_VARIABLE.test(first.text) && colon?.text.startsWith(':')) {
    if (colon.text.length > 1) splitToken(tokens, openIndex + 2, 1, masked);
    return openIndex + 2;
  }
  return syntaxError(lambda.start, `expected a lambda variable, e.g. ${lambda.text}(x: …).`);
}

/** Splits a token after `length` characters; a quoted rest is a string literal, masked like any other. */
function splitToken(tokens: Token[], index: number, length: number, masked: string[]): void {
  const token = tokens[index];
  const cut = token.start + length;
  const rest = token.text.slice(length);
  const quoted = rest.startsWith("'");
  if (quoted) for (let k = cut + 1; k < token.end - 1; k++) masked[k] = 'x';
  tokens.splice(
    index,
    1,
    { kind: 'word', text: token.text.slice(0, length), start: token.start, end: cut },
    { kind: quoted || token.kind === 'string' ? 'string' : 'word', text: rest, start: cut, end: token.end },
  );
}

/** Replaces `in (a, b, …)` with `eq   @i` of equal length and records the list. */
function rewriteInList(
  tokens: Token[],
  inIndex: number,
  source: string,
  masked: string[],
  inLists: Map<number, LiteralNode[]>,
): number {
  const keyword = tokens[inIndex];
  const previous = source.charCodeAt(keyword.start - 1);
  if (previous !== 0x20 && previous !== 0x09) syntaxError(keyword.start, "expected a space before 'in'.");
  const items: LiteralNode[] = [];
  let index = inIndex + 2;
  for (;;) {
    const item = tokens[index];
    if (!item || (item.kind !== 'word' && item.kind !== 'string')) {
      syntaxError(
        item?.start ?? source.length,
        "the list after 'in' may only contain literals, e.g. in ('a', 'b').",
      );
    }
    if (items.length === ODATA_LIMITS.maxInListItems) {
      throw odataError(
        '$filter',
        `The list after 'in' at position ${keyword.start} has more than ${ODATA_LIMITS.maxInListItems} items.`,
      );
    }
    items.push(classifyListItem(item));
    const separator = tokens[index + 1];
    if (separator?.kind === 'close') {
      index++;
      break;
    }
    if (separator?.kind !== 'comma') {
      syntaxError(separator?.start ?? source.length, "expected ',' or ')' in the list after 'in'.");
    }
    index += 2;
  }
  const close = tokens[index];
  const width = close.end - keyword.start;
  const replacement = `eq${' '.repeat(width - 4)}@i`;
  for (let k = 0; k < width; k++) masked[keyword.start + k] = replacement[k];
  inLists.set(close.end - 2, items);
  return index;
}

/** The common literal forms, recognised without a parser call (a list may hold hundreds of them). */
const LITERAL_FORMS: Array<[RegExp, string]> = [
  [/^-?\d{1,9}$/, 'Edm.Int32'],
  [/^-?\d+\.\d+$/, 'Edm.Decimal'],
  [/^(?:null|true|false)$/, ''],
  [/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'Edm.Guid'],
  [/^\d{4}-\d{2}-\d{2}$/, 'Edm.Date'],
  [/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,12})?)?(?:Z|[+-]\d{2}:\d{2})$/, 'Edm.DateTimeOffset'],
];

function classifyListItem(token: Token): LiteralNode {
  if (token.kind === 'string' && token.text.startsWith("'")) {
    return { kind: 'literal', literalType: 'Edm.String', text: token.text, position: token.start };
  }
  for (const [form, literalType] of LITERAL_FORMS) {
    if (form.test(token.text)) {
      const type = literalType || (token.text === 'null' ? 'null' : 'Edm.Boolean');
      return { kind: 'literal', literalType: type, text: token.text, position: token.start };
    }
  }
  const probe =
    token.kind === 'string'
      ? token.text.replace(/'[^]*'$/, (quoted) => `'${'x'.repeat(quoted.length - 2)}'`)
      : token.text;
  try {
    const parsed = parseLiteral(probe);
    return { kind: 'literal', literalType: String(parsed.value), text: token.text, position: token.start };
  } catch {
    return syntaxError(token.start, `${quoteInput(token.text)} in the list after 'in' is not a literal.`);
  }
}
