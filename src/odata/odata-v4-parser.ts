import { filter as parseFilterText } from 'odata-v4-parser';
import Utils from 'odata-v4-parser/lib/utils';

/**
 * Typed access to odata-v4-parser 0.1.29. Its tokens are loosely typed (`value: any`); this is the one
 * place that touches them, and `filter-parser.ts` turns them into the engine's own tree.
 */
export interface ParserToken {
  position: number;
  next: number;
  type: string;
  value: any;
  raw: string;
}

/** The text being parsed right now (parsing is synchronous), so token text can be sliced from it. */
let activeSource: string | undefined;

// The parser copies the source text of every token through a per-character map/join (most of its time
// on short queries); slicing the string being parsed gives the same text far faster.
(Utils as { stringify: typeof Utils.stringify }).stringify = (value, index, next) =>
  activeSource !== undefined && value.length === activeSource.length
    ? activeSource.slice(index, next)
    : String.fromCharCode.apply(null, Array.from(value.slice(index, next)));

/** Parses a (pre-processed) `$filter` text; throws the parser's `Fail at N` / `Unexpected character at N`. */
export function parseFilterTokens(text: string): ParserToken {
  activeSource = text;
  try {
    return parseFilterText(text);
  } finally {
    activeSource = undefined;
  }
}

/** The position in a parser error message, when it has one. */
export function parserErrorPosition(error: unknown): number | undefined {
  const match = /at (\d+)/.exec(error instanceof Error ? error.message : '');
  return match ? Number(match[1]) : undefined;
}
