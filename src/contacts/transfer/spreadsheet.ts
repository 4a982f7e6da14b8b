import ExcelJS from 'exceljs';
import { Readable, type Writable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { UnreadableFileError } from './csv';

/*
 * xlsx files: checked as zip archives before anything decompresses them, read row by row with exceljs's
 * streaming reader, written with its streaming writer.
 */

/** A cell as read: text, or what a typed cell holds. */
export type SheetCell = string | number | boolean | Date | undefined;

export interface SheetRow {
  /** Row number in the sheet (1-based). */
  line: number;
  cells: SheetCell[];
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const DESCRIPTOR_SIGNATURE = 0x08074b50;

function damaged(reason: string): UnreadableFileError {
  return new UnreadableFileError(`The xlsx file is damaged or not a workbook: ${reason}.`);
}

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  offset: number;
}

function centralDirectory(bytes: Buffer): { entries: ZipEntry[]; directoryOffset: number } {
  const searchFrom = Math.max(0, bytes.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= searchFrom; i--) {
    if (bytes.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw damaged('no zip directory');
  const count = bytes.readUInt16LE(eocd + 10);
  const directorySize = bytes.readUInt32LE(eocd + 12);
  const directoryOffset = bytes.readUInt32LE(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw damaged('ZIP64 archives are not read');
  if (directoryOffset + directorySize > eocd) throw damaged('the zip directory lies outside the file');
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || bytes.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw damaged('bad zip directory');
    const nameLength = bytes.readUInt16LE(at + 28);
    const entry: ZipEntry = {
      flags: bytes.readUInt16LE(at + 8),
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      uncompressedSize: bytes.readUInt32LE(at + 24),
      name: bytes.toString('utf8', at + 46, at + 46 + nameLength),
      offset: bytes.readUInt32LE(at + 42),
    };
    entries.push(entry);
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return { entries, directoryOffset };
}

/** Decompresses one entry without keeping it, counting bytes; past `budget` it stops at once. */
function inflatedSize(data: Buffer, budget: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw();
    let size = 0;
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > budget) {
        inflate.destroy();
        resolve(size);
      }
    });
    inflate.on('end', () => resolve(size));
    inflate.on('error', () => reject(damaged('a compressed part cannot be read')));
    inflate.end(data);
  });
}

/**
 * Checks an xlsx (zip) file before it is read: the directory is sound, the entries follow one another
 * with nothing hidden between them (a streaming reader reads the local entries, not the directory), the
 * workbook part is there, and the content decompresses, really, to at most `maxUncompressedBytes` in all
 * (sizes the directory declares are not trusted: each part is inflated and counted).
 */
export async function checkXlsx(bytes: Buffer, maxUncompressedBytes: number): Promise<void> {
  const { entries, directoryOffset } = centralDirectory(bytes);
  if (!entries.some((entry) => entry.name === 'xl/workbook.xml')) {
    throw damaged('it has no xl/workbook.xml part');
  }
  const declared = entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  const tooBig = () =>
    new UnreadableFileError(
      `The xlsx file decompresses to more than ${maxUncompressedBytes} bytes; it is refused (split it, or save it as CSV).`,
    );
  if (declared > maxUncompressedBytes) throw tooBig();
  const sorted = [...entries].sort((a, b) => a.offset - b.offset);
  let expected = 0;
  let budget = maxUncompressedBytes;
  for (const entry of sorted) {
    const at = entry.offset;
    if (at !== expected || at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL_SIGNATURE) {
      throw damaged('its parts do not follow one another');
    }
    const nameLength = bytes.readUInt16LE(at + 26);
    if (bytes.toString('utf8', at + 30, at + 30 + nameLength) !== entry.name) {
      throw damaged('a part is named differently in the directory');
    }
    const start = at + 30 + nameLength + bytes.readUInt16LE(at + 28);
    let end = start + entry.compressedSize;
    if (end > directoryOffset) throw damaged('a part runs past the end of the data');
    if (entry.flags & 0x08) end += bytes.readUInt32LE(end) === DESCRIPTOR_SIGNATURE ? 16 : 12;
    const data = bytes.subarray(start, start + entry.compressedSize);
    if (entry.method === 8) {
      const size = await inflatedSize(data, budget);
      if (size > budget) throw tooBig();
      budget -= size;
    } else if (entry.method === 0) {
      budget -= data.length;
      if (budget < 0) throw tooBig();
    } else throw damaged(`compression method ${entry.method} is not supported`);
    expected = end;
  }
  if (expected !== directoryOffset) throw damaged('there is data between its parts and its directory');
}

/**
 * Text the xlsx file would not give back as it is, written as Office writes it (ECMA-376 ST_Xstring,
 * `_x000D_`): control characters, which XML cannot hold (exceljs drops them); the carriage return, which
 * XML readers turn into a line feed; an `&` starting `&lt;`, `&gt;`, `&amp;`, `&apos;` or `&quot;`, which
 * exceljs's reader decodes a second time. A literal `_x000D_` is written `_x005F_x000D_`.
 */
const NOT_XML_TEXT =
  // eslint-disable-next-line no-control-regex -- control characters are what it escapes
  /[\u0000-\u0008\u000b-\u001f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)|&(?=(?:lt|gt|amp|apos|quot);)/g;
const ESCAPED_CHARACTER = /_x([0-9A-Fa-f]{4})_/g;

function escapedText(text: string): string {
  return text.replace(
    NOT_XML_TEXT,
    (char) => `_x${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`,
  );
}

function unescapedText(text: string): string {
  return text.includes('_x')
    ? text.replace(ESCAPED_CHARACTER, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : text;
}

/** A typed cell value, from what exceljs gives (rich text, hyperlinks, formulas by their result). */
function cellValue(value: ExcelJS.CellValue): SheetCell {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return unescapedText(value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value;
  if (typeof value === 'object') {
    if ('richText' in value) return unescapedText(value.richText.map((run) => run.text).join(''));
    if ('hyperlink' in value)
      return typeof value.text === 'string' ? unescapedText(value.text) : value.hyperlink;
    if ('formula' in value || 'sharedFormula' in value) {
      return cellValue((value as { result?: ExcelJS.CellValue }).result ?? null);
    }
    if ('error' in value) return undefined;
  }
  return String(value);
}

/** The rows of the first worksheet of an xlsx file (checked by {@link checkXlsx} first). */
export async function* readXlsxRows(bytes: Buffer): AsyncGenerator<SheetRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([bytes]), {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
    entries: 'ignore',
  });
  let first = true;
  try {
    for await (const worksheet of reader) {
      if (!first) continue;
      first = false;
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        const values = row.values as ExcelJS.CellValue[];
        const cells: SheetCell[] = [];
        for (let column = 1; column < values.length; column++) cells.push(cellValue(values[column]));
        yield { line: row.number, cells };
      }
    }
  } catch (error) {
    if (error instanceof UnreadableFileError) throw error;
    throw damaged((error as Error).message ?? 'unreadable');
  }
  if (first) throw damaged('it has no worksheet');
}

/**
 * A streaming xlsx writer of one worksheet: rows are committed (written out) as they are added; text is
 * written as {@link readXlsxRows} reads it back, exactly.
 */
export function xlsxWriter(
  output: Writable,
  sheetName: string,
): { addRow(cells: Array<string | number | boolean | Date | null>): void; finish(): Promise<void> } {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output,
    useSharedStrings: false,
    useStyles: true,
  });
  const sheet = workbook.addWorksheet(sheetName.replace(/[\\/?*[\]:]/g, ' ').slice(0, 31) || 'Contacts');
  return {
    addRow(cells) {
      // An empty cell is left out rather than written empty: exceljs builds a cell for null, not for undefined.
      sheet
        .addRow(cells.map((cell) => (typeof cell === 'string' ? escapedText(cell) : (cell ?? undefined))))
        .commit();
    },
    async finish() {
      sheet.commit();
      await workbook.commit();
    },
  };
}
