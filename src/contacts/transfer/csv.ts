/*
 * CSV as spreadsheets write it (RFC 4180): fields separated by `,`, `;` or a tab, optionally quoted with
 * `"` (a quote inside doubled), records ending with CRLF or LF, line breaks allowed inside quotes.
 */

export const CSV_DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** A problem that makes the whole file unreadable (reported up front, nothing written). */
export class UnreadableFileError extends Error {
  override readonly name = 'UnreadableFileError';
}

const BOM = '\ufeff';

/**
 * The delimiter of a file: the candidate found most often outside quotes in its first line (the header).
 * A header of one column has none of them; the comma is then as good as any.
 */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = text.startsWith(BOM) ? 1 : 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char as CsvDelimiter)) {
      counts.set(char as CsvDelimiter, (counts.get(char as CsvDelimiter) ?? 0) + 1);
    }
  }
  let best: CsvDelimiter = ',';
  for (const [delimiter, count] of counts) if (count > (counts.get(best) ?? 0)) best = delimiter;
  return best;
}

/**
 * Decodes UTF-8 (a BOM is dropped) in slices, so that a big file is never one string at once; invalid
 * UTF-8 makes the file unreadable.
 */
export function* utf8Slices(bytes: Uint8Array, sliceBytes = 1024 * 1024): Generator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const decode = (slice: Uint8Array, stream: boolean): string => {
    try {
      return decoder.decode(slice, { stream });
    } catch {
      // The one error a fatal decoder raises (its class may come from another realm: no instanceof).
      throw new UnreadableFileError('The file is not valid UTF-8 text.');
    }
  };
  for (let start = 0; start < bytes.length; start += sliceBytes) {
    const end = Math.min(bytes.length, start + sliceBytes);
    yield decode(bytes.subarray(start, end), end < bytes.length);
  }
}

/** One record of a CSV file: its cells and the line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote seen inside a quoted field: doubled (a quote) or closing, the next character says. */
  QuoteInQuoted,
}

/**
 * The records of a CSV text given in slices. Blank lines are skipped. A quote left open at the end of the
 * file, or text glued after a closing quote, makes the file unreadable (the rest of it could not be
 * split into the right rows).
 */
export function* parseCsv(slices: Iterable<string>, delimiter: CsvDelimiter): Generator<CsvRecord> {
  let cells: string[] = [];
  let cell = '';
  let state = State.FieldStart;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  let skipLF = false;

  for (const slice of slices) {
    for (let i = 0; i < slice.length; i++) {
      const char = slice[i];
      if (skipLF) {
        skipLF = false;
        if (char === '\n') continue;
      }
      if (state === State.Quoted) {
        if (char === '"') state = State.QuoteInQuoted;
        else {
          if (char === '\n') line++;
          cell += char;
        }
        continue;
      }
      if (state === State.QuoteInQuoted && char === '"') {
        cell += '"';
        state = State.Quoted;
        continue;
      }
      if (char === delimiter) {
        cells.push(cell);
        cell = '';
        state = State.FieldStart;
      } else if (char === '\n' || char === '\r') {
        const record = endOfRecord(cells, cell, state, recordLine);
        if (record) yield record;
        cells = [];
        cell = '';
        state = State.FieldStart;
        line++;
        recordLine = line;
        skipLF = char === '\r';
      } else if (state === State.QuoteInQuoted) {
        throw textAfterClosingQuote(line);
      } else if (state === State.FieldStart && char === '"') {
        state = State.Quoted;
        quoteLine = line;
      } else {
        cell += char;
        state = State.Unquoted;
      }
    }
  }
  if (state === State.Quoted) throw unclosedQuote(quoteLine);
  const record = endOfRecord(cells, cell, state, recordLine);
  if (record) yield record;
}

/**
 * The record a line break (or the end of the file) completes, with its last cell; none for a blank line.
 * Called once per line, never per character, so the loop above stays as fast.
 */
function endOfRecord(cells: string[], cell: string, state: State, line: number): CsvRecord | undefined {
  if (cells.length === 0 && state === State.FieldStart) return undefined;
  cells.push(cell);
  return { line, cells };
}

function textAfterClosingQuote(line: number): UnreadableFileError {
  return new UnreadableFileError(
    `Line ${line}: text after a closing quote; a quote inside a quoted field must be doubled ("").`,
  );
}

function unclosedQuote(quoteLine: number): UnreadableFileError {
  return new UnreadableFileError(`The quote opened on line ${quoteLine} is never closed.`);
}

/** A value a spreadsheet would run as a formula (after any leading `'`s, which neutralizing adds). */
const FORMULA_LIKE = /^'*[=+\-@\t\r]/;
const NEUTRALIZED = /^'+[=+\-@\t\r]/;

/**
 * A value a spreadsheet opening the CSV shows as text, never runs: a leading `'` before a formula
 * character (also before `'`s followed by one, so that {@link restoreFormulaText} gives back exactly the
 * value written).
 */
export function neutralizeFormula(value: string): string {
  return FORMULA_LIKE.test(value) ? `'${value}` : value;
}

/** Undoes {@link neutralizeFormula} on a value read back from a file. */
export function restoreFormulaText(value: string): string {
  return NEUTRALIZED.test(value) ? value.slice(1) : value;
}

/**
 * Cells that must be quoted: a quote, a line break or any of the delimiters (an unquoted `;` in a header
 * would let {@link detectDelimiter} take it for the delimiter of a file with few columns).
 */
const MUST_QUOTE = /["\r\n,;\t]/;

/** One CSV record (CRLF-terminated); cells are quoted when they must be. */
export function csvRecord(cells: readonly string[], delimiter: CsvDelimiter = ','): string {
  return (
    cells
      .map((cell) =>
        MUST_QUOTE.test(cell) || cell !== cell.trim() ? `"${cell.replaceAll('"', '""')}"` : cell,
      )
      .join(delimiter) + '\r\n'
  );
}

export const CSV_BOM = BOM;
