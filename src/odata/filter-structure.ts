import { literal as parseLiteral } from 'odata-v4-parser';
import type { LiteralNode } from './ast';
import type { Token } from './filter-token';
import { ODATA_LIMITS } from './limits';
import { odataError, quoteInput } from './odata-error';

/*
 * The structural half of the `$filter` pre-pass (see filter-lexer.ts), over the tokens: balanced and not
 * too deep parentheses, operands and operators in turn, known functions, lambda variables, and `in`
 * lists rewritten for the parser.
 */

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

function syntaxError(position: number, message: string): never {
  throw odataError('$filter', `Syntax error at position ${position} in $filter: ${message}`);
}

export function checkParentheses(tokens: Token[]): void {
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

/** Where the state machine stands between two tokens. */
interface StructureState {
  /** The open parentheses, innermost last, by what they open. */
  stack: Context[];
  expectOperand: boolean;
  /** The token before was a '/': the next word is a path segment (or a lambda), never an operator. */
  afterSlash: boolean;
}

/**
 * A light operand/operator state machine over the tokens. It only reports what is certainly wrong (two
 * operands in a row, an operator with no operand, unknown functions); the parser has the last word.
 */
export function checkStructure(
  tokens: Token[],
  source: string,
  masked: string[],
  inLists: Map<number, LiteralNode[]>,
): void {
  const state: StructureState = { stack: [], expectOperand: true, afterSlash: false };
  // Each step returns the index of the last token it consumed (a call, a lambda or an `in` list take several).
  for (let index = 0; index < tokens.length; index++) {
    index = state.expectOperand
      ? readOperand(tokens, index, masked, state)
      : readOperator(tokens, index, source, masked, inLists, state);
  }
  if (state.expectOperand) {
    const last = tokens[tokens.length - 1];
    syntaxError(last.end, `the expression ends too early after '${last.text}'.`);
  }
}

function readOperand(tokens: Token[], index: number, masked: string[], state: StructureState): number {
  const token = tokens[index];
  switch (token.kind) {
    case 'word':
      return readWordOperand(tokens, index, masked, state);
    case 'string':
      state.afterSlash = false;
      state.expectOperand = false;
      return index;
    case 'open':
      state.stack.push('group');
      return index;
    default:
      return syntaxError(
        token.start,
        `expected a value (a property, a literal or a function call) before '${token.text}'.`,
      );
  }
}

/** A word where a value must come: a property or path segment, `not`, a function call or a lambda. */
function readWordOperand(tokens: Token[], index: number, masked: string[], state: StructureState): number {
  const token = tokens[index];
  const next = tokens[index + 1] as Token | undefined;
  if (!state.afterSlash && BINARY_OPERATORS.has(token.text)) {
    syntaxError(
      token.start,
      `expected a value (a property, a literal or a function call) before '${token.text}'.`,
    );
  }
  if (!state.afterSlash && token.text === 'not') {
    if (!next) syntaxError(token.start, "'not' must be followed by a condition.");
    if (next.start === token.end) syntaxError(token.end, "expected a space after 'not'.");
    return index;
  }
  if (next?.kind === 'open' && next.start === token.end) return readCall(tokens, index, masked, state);
  if (!state.afterSlash && token.text.startsWith('$') && token.text !== '$it') {
    throw odataError(
      '$filter',
      `${quoteInput(token.text)} at position ${token.start} is not allowed in $filter: only properties, literals and functions may appear.`,
    );
  }
  state.afterSlash = false;
  state.expectOperand = false;
  return index;
}

/** `name(` glued together: a function call, or after a '/' `any(`/`all(` with its lambda variable. */
function readCall(tokens: Token[], index: number, masked: string[], state: StructureState): number {
  const token = tokens[index];
  const isLambda = state.afterSlash && (token.text === 'any' || token.text === 'all');
  if (!isLambda) checkFunctionName(token);
  state.stack.push(isLambda ? 'lambda' : 'call');
  index++;
  state.afterSlash = false;
  if (tokens[index + 1]?.kind === 'close') {
    if (!(isLambda && token.text === 'any'))
      syntaxError(tokens[index + 1].start, `${token.text}() needs arguments.`);
    state.stack.pop();
    index++;
    state.expectOperand = false;
    return index;
  }
  if (isLambda) index = skipLambdaVariable(tokens, index, token, masked);
  return index;
}

/** What may follow a value: an operator, an `in` list, a '/', a ')' or a ',' between arguments. */
function readOperator(
  tokens: Token[],
  index: number,
  source: string,
  masked: string[],
  inLists: Map<number, LiteralNode[]>,
  state: StructureState,
): number {
  const token = tokens[index];
  const next = tokens[index + 1] as Token | undefined;
  switch (token.kind) {
    case 'word':
      if (token.text === 'in' && next?.kind === 'open')
        return rewriteInList(tokens, index, source, masked, inLists);
      if (!BINARY_OPERATORS.has(token.text)) expectedOperator(token);
      if (token.text === 'in')
        syntaxError(token.end, "expected a list of literals in parentheses after 'in'.");
      state.expectOperand = true;
      return index;
    case 'slash':
      if (!next || next.kind !== 'word' || next.start !== token.end)
        syntaxError(token.start, "expected a property name after '/'.");
      state.expectOperand = true;
      state.afterSlash = true;
      return index;
    case 'close':
      state.stack.pop();
      return index;
    case 'comma':
      if (state.stack[state.stack.length - 1] !== 'call') syntaxError(token.start, "unexpected ','.");
      state.expectOperand = true;
      return index;
    default:
      return expectedOperator(token);
  }
}

function expectedOperator(token: Token): never {
  return syntaxError(
    token.start,
    `expected an operator (eq, ne, gt, ge, lt, le, in, and, or) or the end of the expression before ${quoteInput(token.text)}.`,
  );
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
