import { ApiError } from '../../common/errors/api-error';
import type { FieldLayout } from '../../contact-fields';
import { resolveColumns, rowInput, type ImportColumn, type RowProblem } from './import-columns';
import type { TabRules } from '../core/contact-mapping';
import { detectDelimiter, parseCsv, restoreFormulaText, UnreadableFileError, utf8Slices } from './csv';
import { checkXlsx, readXlsxRows, type SheetCell, type SheetRow } from './spreadsheet';
import { parseVCards } from './vcard';
import type { VCardPhoto } from './vcard-photo';

export const IMPORT_FORMATS = ['xlsx', 'csv', 'vcf'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

const EXTENSIONS: Record<string, ImportFormat> = { xlsx: 'xlsx', csv: 'csv', vcf: 'vcf', vcard: 'vcf' };
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const VCARD_START = /^\ufeff?\s*BEGIN:VCARD/i;

function unsupported(message: string): ApiError {
  return ApiError.unsupportedMediaType(message, 'file');
}

/**
 * The format of an uploaded file, from its content: a zip is an xlsx workbook, text starting with
 * BEGIN:VCARD is vCard, other UTF-8 text is CSV. A file name whose extension says otherwise, or names
 * another format, is refused (415), as is binary content that is none of them.
 */
export function detectFormat(bytes: Buffer, fileName: string): ImportFormat {
  const extension = /\.([A-Za-z0-9]{1,10})$/.exec(fileName)?.[1]?.toLowerCase();
  const named = extension === undefined ? undefined : EXTENSIONS[extension];
  if (extension !== undefined && named === undefined) {
    throw unsupported(`'.${extension}' files cannot be imported: send an .xlsx, .csv or .vcf file.`);
  }
  let format: ImportFormat;
  if (bytes.subarray(0, 4).equals(ZIP_MAGIC)) format = 'xlsx';
  else if (VCARD_START.test(bytes.subarray(0, 1024).toString('utf8'))) format = 'vcf';
  else if (bytes.includes(0))
    throw unsupported('The file is binary, not an xlsx workbook, CSV or vCard file.');
  else format = 'csv';
  if (named !== undefined && named !== format) {
    throw unsupported(`The file is named .${extension} but its content is ${describe(format)}.`);
  }
  return format;
}

function describe(format: ImportFormat): string {
  return { xlsx: 'a zip archive (xlsx)', csv: 'text (CSV)', vcf: 'vCard' }[format];
}

/** One contact of the file: its row (or card number), its input, where each property came from. */
export interface ImportRecord {
  row: number;
  input: Record<string, unknown>;
  sources: Map<string, string>;
  problems: RowProblem[];
  /** A vCard's PHOTO (spreadsheets carry no photos). */
  photo?: VCardPhoto;
}

export interface ImportLimits {
  maxRows: number;
  maxUncompressedBytes: number;
}

/** What an import is read against: the tab's layout (its export's columns), custom fields and categories. */
export interface ImportTab extends TabRules {
  fields: readonly FieldLayout[];
}

/** A readable import: its columns (spreadsheets) and its records, read again from the start at each call. */
export interface ImportSource {
  columns: ImportColumn[];
  records(): AsyncGenerator<ImportRecord>;
  /** Reads the whole file once, only to count its records (its structure is checked on the way). */
  count(limit: number): Promise<number>;
}

async function* sheetRows(format: 'csv' | 'xlsx', bytes: Buffer): AsyncGenerator<SheetRow> {
  if (format === 'xlsx') {
    yield* readXlsxRows(bytes);
    return;
  }
  const head = new TextDecoder('utf-8').decode(bytes.subarray(0, 64 * 1024));
  // A CSV export neutralizes formulas (an xlsx export needs not: its cells are text); undone here alone.
  for (const record of parseCsv(utf8Slices(bytes), detectDelimiter(head))) {
    yield { line: record.line, cells: record.cells.map(restoreFormulaText) };
  }
}

function isBlank(cells: readonly SheetCell[]): boolean {
  return cells.every((cell) => cell === undefined || (typeof cell === 'string' && cell.trim() === ''));
}

/**
 * Opens an import: reads the header row and resolves the columns (a bad mapping is a 400). The records
 * are read lazily; {@link scanImport} reads them all once to find what makes the file unreadable.
 */
export async function openImport(
  format: ImportFormat,
  bytes: Buffer,
  tab: ImportTab,
  mapping: Record<string, string | null> | undefined,
  limits: ImportLimits,
): Promise<ImportSource> {
  if (format === 'xlsx') await checkXlsx(bytes, limits.maxUncompressedBytes);
  if (format === 'vcf') {
    if (mapping && Object.keys(mapping).length) {
      throw ApiError.badRequest('A column mapping applies to xlsx and CSV files, not to vCard.', 'mapping');
    }
    return {
      columns: [],
      async *records() {
        for (const card of parseVCards(utf8Slices(bytes), tab.customFields)) {
          yield { row: card.row, input: card.input, sources: new Map(), problems: [], photo: card.photo };
        }
      },
      count: (limit) => counted(parseVCards(utf8Slices(bytes)), limit),
    };
  }
  let headers: string[] | undefined;
  for await (const row of sheetRows(format, bytes)) {
    if (isBlank(row.cells)) continue;
    headers = row.cells.map((cell) => (cell === undefined ? '' : String(cell).trim()));
    break;
  }
  if (!headers)
    throw new UnreadableFileError('The file is empty: a header row naming the columns is expected.');
  const { columns, problems } = resolveColumns(headers, tab.fields, tab.customFields, mapping);
  if (problems.length)
    throw ApiError.badRequest('The column mapping is invalid: see details.', 'mapping', problems);
  if (!columns.some((column) => column.target)) {
    throw new UnreadableFileError(
      'No column of the header row names a contact field; send a mapping, or use the headers of an export.',
    );
  }
  const sheetFormat = format;
  async function* dataRows(): AsyncGenerator<SheetRow> {
    let header = true;
    for await (const row of sheetRows(sheetFormat, bytes)) {
      if (isBlank(row.cells)) continue;
      if (header) header = false;
      else yield row;
    }
  }
  return {
    columns,
    async *records() {
      for await (const row of dataRows()) {
        const { input, sources, problems: cellProblems } = rowInput(row.cells, columns, tab);
        yield { row: row.line, input, sources, problems: cellProblems };
      }
    },
    count: (limit) => counted(dataRows(), limit),
  };
}

async function counted(records: Iterable<unknown> | AsyncIterable<unknown>, limit: number): Promise<number> {
  let total = 0;
  for await (const record of records) {
    void record;
    if (++total > limit) {
      throw new UnreadableFileError(`The file holds more than ${limit} contacts; split it.`);
    }
  }
  return total;
}

/** Reads every record once: the file's structure is sound and within the row limit. Returns the count. */
export function scanImport(source: ImportSource, limits: ImportLimits): Promise<number> {
  return source.count(limits.maxRows);
}
