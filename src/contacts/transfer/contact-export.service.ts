import { Injectable, StreamableFile } from '@nestjs/common';
import { PassThrough, Readable } from 'node:stream';
import type { AuthenticatedUser } from '../../auth';
import { ApiError } from '../../common/errors/api-error';
import type { ODataRequest } from '../../odata';
import type { Tab } from '../../tabs/tab.schema';
import type { CustomFieldDefinition } from '../../contact-fields';
import { csvCell, exportColumns, selectedColumns, type ExportColumn } from './export-columns';
import { odataError } from '../../odata/odata-error';
import { toContactResource } from '../core/contact-mapping';
import type { Contact } from '../core/contact.schema';
import { TabsService } from '../../tabs/tabs.service';
import { ContactTransferStore } from './contact-transfer.store';
import { CSV_BOM, csvRecord } from './csv';
import { EXPORT_FORMATS, type ExportFormat } from './dto/contact-export.dto';
import { xlsxWriter } from './spreadsheet';
import { toVCard } from './vcard-writer';
import type { BlobContent } from '../../blob-storage/blob-storage.service';
import { photoBlobName, PhotoBlobs } from '../photo/photo-blobs';

const CONTENT_TYPES: Record<ExportFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
  vcf: 'text/vcard; charset=utf-8',
};
/** Bytes the xlsx writer may hold ahead of the client before it waits (memory stays flat). */
const XLSX_BUFFER_BYTES = 1024 * 1024;
/** Text chunks of CSV and vCard exports are sent in pieces of about this size. */
const TEXT_CHUNK_CHARS = 64 * 1024;

// eslint-disable-next-line no-control-regex -- control characters are what it removes
const UNSAFE_IN_FILE_NAME = /[\u0000-\u001f\u007f"\\/:*?<>|]+/g;

/**
 * `Content-Disposition` naming the file after the tab: an ASCII fallback (accents dropped, anything
 * unsafe in a header or a file name replaced) and the exact name in RFC 5987 form.
 */
export function contentDisposition(tabName: string, format: ExportFormat): string {
  const cleaned =
    tabName.replace(UNSAFE_IN_FILE_NAME, ' ').replace(/\s+/g, ' ').trim().slice(0, 100) || 'contacts';
  const ascii = cleaned
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '_')
    .replace(/[;%]/g, '_');
  const encoded = encodeURIComponent(`${cleaned}.${format}`).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}.${format}"; filename*=UTF-8''${encoded}`;
}

/**
 * Streams a tab's contacts as xlsx, CSV (UTF-8 with a byte order mark, so Excel reads accents right) or
 * vCard 4.0, read from a database cursor: memory stays flat whatever the number of contacts. The columns
 * are every field an import reads back, visible fields first (see exportColumns), or the `$select`ed
 * ones, so that an export imports back whole into a tab with the same fields. CSV cells that a
 * spreadsheet would run as formulas are neutralized, reversibly (xlsx cells are written as text, which a
 * spreadsheet never runs).
 */
@Injectable()
export class ContactExportService {
  constructor(
    private readonly store: ContactTransferStore,
    private readonly tabs: TabsService,
    private readonly photos: PhotoBlobs,
  ) {}

  async export(
    user: AuthenticatedUser,
    tabId: string,
    format: string | undefined,
    request: ODataRequest,
  ): Promise<StreamableFile> {
    // Another tenant's tab is a 404 whatever the options (its tab configuration is cached: cheap).
    await this.tabs.findTab(user, tabId);
    if (!(EXPORT_FORMATS as readonly string[]).includes(format ?? '')) {
      throw ApiError.badRequest(`format must be one of ${EXPORT_FORMATS.join(', ')}.`, 'format');
    }
    const chosen = format as ExportFormat;
    const { tab, contacts, select } = await this.store.exportContacts(user, tabId, request);
    if (select && chosen === 'vcf') {
      throw odataError(
        '$select',
        '$select chooses the columns of an xlsx or CSV export; a vCard carries every field.',
      );
    }
    const columns = select
      ? selectedColumns(tab.fields, tab.customFields, select)
      : exportColumns(tab.fields, tab.customFields);
    const body =
      chosen === 'xlsx'
        ? xlsxStream(tab, columns, contacts, user.userId)
        : Readable.from(
            chosen === 'csv'
              ? csvText(columns, contacts, user.userId)
              : vcardText(contacts, tab.customFields, user.userId, (contact) => this.photoOf(contact)),
          );
    return new StreamableFile(body, {
      type: CONTENT_TYPES[chosen],
      disposition: contentDisposition(tab.displayName, chosen),
    });
  }

  private async photoOf(contact: Contact): Promise<BlobContent | null> {
    if (!contact.photo) return null;
    const name = photoBlobName(contact.tenantId, contact.tabId, contact._id, contact.photo.version);
    const blob = await this.photos.read(name);
    return blob && { data: blob.data, contentType: contact.photo.contentType };
  }
}

/** A vCard carries the contact's photo (xlsx and CSV do not); the full picture, as stored. */
type PhotoReader = (contact: Contact) => Promise<BlobContent | null>;

/** Yields text in pieces of about {@link TEXT_CHUNK_CHARS}, not one write per contact. */
async function* chunked(parts: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const part of parts) {
    buffer += part;
    if (buffer.length >= TEXT_CHUNK_CHARS) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

function csvText(
  columns: ExportColumn[],
  contacts: AsyncIterable<Contact>,
  userId: string,
): AsyncGenerator<string> {
  return chunked(
    (async function* () {
      yield CSV_BOM + csvRecord(columns.map((column) => csvCell(column.header)));
      for await (const contact of contacts) {
        const resource = toContactResource(contact, userId);
        yield csvRecord(columns.map((column) => csvCell(column.value(resource))));
      }
    })(),
  );
}

function vcardText(
  contacts: AsyncIterable<Contact>,
  customFields: readonly CustomFieldDefinition[],
  userId: string,
  photoOf: PhotoReader,
): AsyncGenerator<string> {
  return chunked(
    (async function* () {
      for await (const contact of contacts) {
        const photo = await photoOf(contact);
        yield toVCard(toContactResource(contact, userId), customFields, photo ?? undefined);
      }
    })(),
  );
}

function xlsxStream(
  tab: Tab,
  columns: ExportColumn[],
  contacts: AsyncIterable<Contact>,
  userId: string,
): Readable {
  const output = new PassThrough({ highWaterMark: XLSX_BUFFER_BYTES });
  const writer = xlsxWriter(output, tab.displayName);
  const waitForClient = () =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (output.readableLength < XLSX_BUFFER_BYTES || output.destroyed) resolve();
        else setTimeout(check, 5);
      };
      check();
    });
  void (async () => {
    writer.addRow(columns.map((column) => column.header));
    let rows = 0;
    for await (const contact of contacts) {
      if (output.destroyed) return;
      const resource = toContactResource(contact, userId);
      writer.addRow(columns.map((column) => column.value(resource)));
      if (++rows % 200 === 0) await waitForClient();
    }
    await writer.finish();
  })().catch((error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error))));
  return output;
}
