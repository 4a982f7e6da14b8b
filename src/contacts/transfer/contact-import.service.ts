import type { Multipart } from '@fastify/multipart';
import { HttpStatus, Injectable, OnModuleInit } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, randomUUID } from 'node:crypto';
import { userReferenceOf, type AuthenticatedUser } from '../../auth';
import { ApiError, type ApiErrorDetail } from '../../common/api-error';
import { InjectTenantRepository } from '../../common/tenant-repository.providers';
import type { TenantRepository } from '../../common/tenant-scope';
import { VALIDATOR_OPTIONS, validationDetails } from '../../common/validation';
import { AppConfig } from '../../config/app-config';
import {
  JOB_ERRORS_KEPT,
  JobFailure,
  JobHandlers,
  JobsService,
  type Job,
  type JobContext,
  type JobDto,
  type JobHandler,
  type JobProgress,
  type JobRowError,
} from '../../jobs';
import type { Tab } from '../../tabs/tab.schema';
import { TabsService } from '../../tabs/tabs.service';
import { contactModel, contactModelForTab } from '../core/contact.entity-model';
import {
  detectFormat,
  openImport,
  scanImport,
  type ImportFormat,
  type ImportLimits,
  type ImportRecord,
  type ImportSource,
} from './contact-import-reader';
import { targetProperty } from './contact-columns';
import { ImportFileChunk } from './contact-import-file.schema';
import {
  applyContactInput,
  contactFieldsOf,
  EMPTY_CONTACT,
  storedContactFields,
  type ContactInput,
  type StoredContactFields,
} from '../core/contact-mapping';
import type { Contact } from '../core/contact.schema';
import { ContactsService } from '../core/contacts.service';
import { ContactTransferStore } from './contact-transfer.store';
import { UnreadableFileError } from './csv';
import { ContactImportOptionsDto, IMPORT_MODES, type ImportMode } from '../dto/contact-import.dto';
import { CreateContactDto } from '../dto/contact-input.dto';

export const CONTACT_IMPORT = 'contactImport';
/** Rows written per round trip to the database (and per recorded progress). */
const BATCH_ROWS = 1000;
const CHUNK_BYTES = 1024 * 1024;
/** Contact ids of an import derive from (job, row) under this namespace, so a resumed row is the same contact. */
const ID_NAMESPACE = 'contact-pro/contact-import';

/** What the requester asked for (the job's `input`). */
interface ImportInput {
  fileName: string;
  format: ImportFormat;
  mode: ImportMode;
  dryRun: boolean;
  mapping?: Record<string, string | null>;
  columns: { read: Array<{ header: string; field: string }>; ignored: string[] };
}

/** Where the uploaded file is (the job's `state`). */
interface ImportState {
  fileId: string;
  chunks: number;
}

interface Upload {
  fileName: string;
  bytes: Buffer;
  fields: Record<string, string>;
}

/** A UUID (version 5 layout) from the job and the row: the same row of the same import is the same contact. */
export function importedContactId(jobId: string, row: number): string {
  const hash = createHash('sha1').update(`${ID_NAMESPACE}|${jobId}|${row}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function unreadable(error: UnreadableFileError): ApiError {
  return ApiError.badRequest(error.message, 'file');
}

/**
 * Contact imports: the upload is checked up front (type, size, structure, row count, mapping) and kept
 * in the database, then a job validates every row as `POST …/contacts` does and writes the valid ones in
 * batches. A resumed job starts after its last recorded batch; rows it wrote after that record are found
 * again under their deterministic ids and not duplicated.
 */
@Injectable()
export class ContactImportService implements JobHandler, OnModuleInit {
  readonly kind = CONTACT_IMPORT;

  constructor(
    @InjectTenantRepository(ImportFileChunk.name) private readonly files: TenantRepository<ImportFileChunk>,
    private readonly jobs: JobsService,
    private readonly jobHandlers: JobHandlers,
    private readonly tabs: TabsService,
    private readonly contacts: ContactsService,
    private readonly store: ContactTransferStore,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.jobHandlers.plug(this);
  }

  private get limits(): ImportLimits {
    return this.config.transfer;
  }

  /** Checks the upload and queues its import; answers 202 with the job's location. */
  async start(
    user: AuthenticatedUser,
    tabId: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<JobDto> {
    const tab = await this.tabs.findTab(user, tabId);
    this.tabs.assertCanEditContacts(user, tab);
    const upload = await this.readUpload(request);
    const options = await importOptions(upload.fields);
    const format = detectFormat(upload.bytes, upload.fileName);
    let source: ImportSource;
    let total: number;
    try {
      source = await openImport(format, upload.bytes, tab, options.mapping, this.limits);
      total = await scanImport(source, this.limits);
    } catch (error) {
      throw error instanceof UnreadableFileError ? unreadable(error) : error;
    }
    const input: ImportInput = {
      fileName: upload.fileName,
      format,
      mode: options.mode,
      dryRun: options.dryRun,
      ...(options.mapping ? { mapping: options.mapping } : {}),
      columns: {
        read: source.columns
          .filter((column) => column.target)
          .map((column) => ({ header: column.header, field: targetProperty(column.target as string) })),
        ignored: source.columns.filter((column) => !column.target).map((column) => column.header),
      },
    };
    if (reply.sent) {
      // Answered 503 by the request timeout meanwhile: the caller will retry, so no job is queued.
      throw ApiError.serviceUnavailable('The upload took too long.');
    }
    const fileId = randomUUID();
    const chunks = await this.storeFile(user.tenantId, fileId, upload.bytes);
    try {
      const job = await this.jobs.create(user, {
        kind: CONTACT_IMPORT,
        tabId: tab._id,
        input: input as unknown as Record<string, unknown>,
        state: { fileId, chunks } satisfies ImportState,
        total,
      });
      void reply.status(HttpStatus.ACCEPTED).header('Location', `/api/v1/jobs/${job.id}`);
      return job;
    } catch (error) {
      await this.files.forTenant(user.tenantId).deleteMany({ fileId });
      throw error;
    }
  }

  private async readUpload(request: FastifyRequest): Promise<Upload> {
    if (!request.isMultipart()) {
      throw ApiError.unsupportedMediaType('Send the file as multipart/form-data (one part named file).');
    }
    let file: { fileName: string; bytes: Buffer } | undefined;
    const fields: Record<string, string> = {};
    try {
      for await (const part of request.parts() as AsyncIterable<Multipart>) {
        if (part.type === 'file') {
          if (file || part.fieldname !== 'file') {
            part.file.resume();
            throw ApiError.badRequest('Send exactly one file, in the part named file.', 'file');
          }
          const pieces: Buffer[] = [];
          for await (const piece of part.file) pieces.push(piece as Buffer);
          file = { fileName: part.filename ?? '', bytes: Buffer.concat(pieces) };
        } else {
          if (typeof part.value !== 'string' || part.valueTruncated) {
            throw ApiError.badRequest(`The form field ${part.fieldname} is too long.`, part.fieldname);
          }
          fields[part.fieldname] = part.value;
        }
      }
    } catch (error) {
      throw uploadError(error, this.config.transfer.maxFileBytes);
    }
    if (!file) throw ApiError.badRequest('The form has no file: send it in the part named file.', 'file');
    if (file.bytes.length === 0) throw ApiError.badRequest('The file is empty.', 'file');
    return { ...file, fields };
  }

  private async storeFile(tenantId: string, fileId: string, bytes: Buffer): Promise<number> {
    const scope = this.files.forTenant(tenantId);
    let n = 0;
    try {
      for (let start = 0; start < bytes.length; start += CHUNK_BYTES, n++) {
        await scope.insert({
          _id: `${fileId}:${n}`,
          fileId,
          n,
          data: bytes.subarray(start, start + CHUNK_BYTES),
        });
      }
    } catch (error) {
      await scope.deleteMany({ fileId });
      throw error;
    }
    return n;
  }

  private async loadFile(tenantId: string, state: ImportState): Promise<Buffer> {
    const scope = this.files.forTenant(tenantId);
    const pieces: Buffer[] = [];
    for (let n = 0; n < state.chunks; n++) {
      const chunk = await scope.findById(`${state.fileId}:${n}`);
      if (!chunk) throw new JobFailure('The uploaded file is no longer stored; nothing more was imported.');
      pieces.push(Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength));
    }
    return Buffer.concat(pieces);
  }

  async cleanUp(job: Job): Promise<void> {
    const state = job.state as Partial<ImportState>;
    if (state.fileId) await this.files.forTenant(job.tenantId).deleteMany({ fileId: state.fileId });
  }

  /**
   * A tab deleted while its import wrote takes its contacts with it; batches written after that removal
   * would be left without a tab, so they are removed here and the job fails.
   */
  private async assertTabKept(requester: AuthenticatedUser, tab: Tab): Promise<void> {
    try {
      await this.tabs.findTab(requester, tab._id, { fresh: true });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      await this.contacts.removeTabContent(tab.tenantId, tab._id);
      throw new JobFailure('The tab was deleted before the import finished.');
    }
  }

  async run(context: JobContext): Promise<{ progress: JobProgress; errors: readonly JobRowError[] }> {
    const { job, requester } = context;
    const input = job.input as unknown as ImportInput;
    let tab: Tab;
    try {
      tab = await this.tabs.findTab(requester, job.tabId as string, { fresh: true });
    } catch (error) {
      if (error instanceof ApiError) throw new JobFailure('The tab was deleted before the import finished.');
      throw error;
    }
    const bytes = await this.loadFile(job.tenantId, job.state as unknown as ImportState);
    let source: ImportSource;
    try {
      source = await openImport(input.format, bytes, tab, input.mapping, this.limits);
    } catch (error) {
      if (error instanceof UnreadableFileError || error instanceof ApiError) {
        throw new JobFailure(`The file can no longer be read against the tab: ${error.message}`);
      }
      throw error;
    }
    const run = new ImportRun(
      context,
      tab,
      input,
      this.store,
      await this.store.emailDirectory(job.tenantId, tab._id),
    );
    let skip = job.progress.processed;
    try {
      for await (const record of source.records()) {
        if (skip > 0) {
          skip--;
          continue;
        }
        await run.add(record);
      }
    } catch (error) {
      if (error instanceof UnreadableFileError) throw new JobFailure(error.message);
      throw error;
    }
    await run.flush();
    await this.assertTabKept(requester, tab);
    return { progress: run.progress, errors: run.errors };
  }
}

/** One pass of an import job over the file: rows are checked, batched, written, and progress recorded. */
class ImportRun {
  readonly progress: JobProgress;
  readonly errors: JobRowError[];
  private readonly model;
  private readonly author;
  private inserts: Array<{ _id: string; stored: StoredContactFields }> = [];
  private updates: Array<{ _id: string; row: number; input: ContactInput; sources: Map<string, string> }> =
    [];
  /** Contacts this batch writes: a second row for one of them waits for the batch to be written. */
  private pending = new Set<string>();
  private rows = 0;
  private counts = { created: 0, updated: 0, skipped: 0, failed: 0 };

  constructor(
    private readonly context: JobContext,
    private readonly tab: Tab,
    private readonly input: ImportInput,
    private readonly store: ContactTransferStore,
    /** Normalized e-mail address → contact id, for the whole tab, kept current as rows are imported. */
    private readonly directory: Map<string, string>,
  ) {
    this.progress = { ...context.job.progress };
    this.errors = [...context.job.rowErrors];
    this.model = tab.customFields.length ? contactModelForTab(tab.customFields) : contactModel;
    this.author = userReferenceOf(context.requester);
  }

  private report(
    row: number,
    sources: Map<string, string>,
    problems: ApiErrorDetail[] | Array<{ column?: string; message: string }>,
  ): void {
    for (const problem of problems) {
      if (this.errors.length >= JOB_ERRORS_KEPT) return;
      const target = 'target' in problem ? problem.target : undefined;
      const column = 'column' in problem ? problem.column : target ? sourceOf(sources, target) : undefined;
      this.errors.push({
        row,
        ...(column ? { column } : {}),
        message: target ? `${target}: ${problem.message}` : problem.message,
      });
    }
  }

  async add(record: ImportRecord): Promise<void> {
    const { row, sources } = record;
    const checked = await checkRow(record, this.tab);
    if ('problems' in checked) {
      this.rows++;
      this.counts.failed++;
      this.report(row, sources, checked.problems);
      return this.flushIfFull();
    }
    const stored = storedContactFields(checked.fields, this.model);
    const addresses = (stored.norm.emailAddresses as Array<{ address: string }>).map(
      (email) => email.address,
    );
    const ownId = importedContactId(this.context.job._id, row);
    const holders = [
      ...new Set(addresses.map((address) => this.directory.get(address)).filter((id) => id !== undefined)),
    ];
    if (holders.includes(ownId)) {
      // Written by this job before it was interrupted, after its last recorded batch.
      this.rows++;
      this.counts.created++;
      return this.flushIfFull();
    }
    if (holders.length === 0) {
      for (const address of addresses) this.directory.set(address, ownId);
      this.inserts.push({ _id: ownId, stored });
      this.pending.add(ownId);
      this.rows++;
      return this.flushIfFull();
    }
    if (this.input.mode === 'create') {
      this.rows++;
      this.counts.skipped++;
      const shared = addresses.filter((address) => this.directory.has(address));
      this.report(row, sources, [
        {
          column: sources.get('emailAddresses'),
          message: `skipped: a contact with the e-mail address ${shared.join(', ')} is already in the tab`,
        },
      ]);
      return this.flushIfFull();
    }
    if (holders.length > 1) {
      this.rows++;
      this.counts.failed++;
      this.report(row, sources, [
        {
          column: sources.get('emailAddresses'),
          message: 'its e-mail addresses belong to several contacts of the tab',
        },
      ]);
      return this.flushIfFull();
    }
    const target = holders[0];
    if (this.pending.has(target)) await this.flush();
    for (const address of addresses) this.directory.set(address, target);
    this.updates.push({ _id: target, row, input: checked.input, sources });
    this.pending.add(target);
    this.rows++;
    return this.flushIfFull();
  }

  private async flushIfFull(): Promise<void> {
    if (this.rows >= BATCH_ROWS) await this.flush();
  }

  /** Writes the batch (unless a dry run) and records the progress. */
  async flush(): Promise<void> {
    if (this.rows === 0) return;
    const { tenantId } = this.context.job;
    const updates: Array<{ _id: string; version: number; stored: StoredContactFields }> = [];
    if (this.updates.length) {
      const current = new Map<string, Contact>(
        (
          await this.store.importTargets(
            tenantId,
            this.tab._id,
            this.updates.map((u) => u._id),
          )
        ).map((c) => [c._id, c]),
      );
      for (const update of this.updates) {
        const contact = current.get(update._id);
        if (!contact) {
          this.counts.failed++;
          this.report(update.row, update.sources, [
            { message: 'the contact it would update was deleted meanwhile' },
          ]);
          continue;
        }
        const { fields, problems } = applyContactInput(
          contactFieldsOf(contact),
          update.input,
          this.tab,
          'update',
        );
        if (problems.length) {
          this.counts.failed++;
          this.report(update.row, update.sources, problems);
          continue;
        }
        updates.push({
          _id: update._id,
          version: contact.version,
          stored: storedContactFields(fields, this.model),
        });
      }
    }
    if (this.input.dryRun) {
      this.counts.created += this.inserts.length;
      this.counts.updated += updates.length;
    } else {
      const written = await this.store.writeImportBatch(
        tenantId,
        this.tab,
        this.author,
        this.inserts,
        updates,
      );
      this.counts.created += written.inserted;
      this.counts.updated += written.updated.size;
      for (const update of updates) {
        if (written.updated.has(update._id)) continue;
        const row = this.updates.find((u) => u._id === update._id);
        this.counts.failed++;
        if (row)
          this.report(row.row, row.sources, [
            { message: 'the contact was changed by someone else during the import; not updated' },
          ]);
      }
    }
    this.progress.processed += this.rows;
    this.progress.created += this.counts.created;
    this.progress.updated += this.counts.updated;
    this.progress.skipped += this.counts.skipped;
    this.progress.failed += this.counts.failed;
    this.counts = { created: 0, updated: 0, skipped: 0, failed: 0 };
    this.rows = 0;
    this.inserts = [];
    this.updates = [];
    this.pending = new Set();
    await this.context.checkpoint(this.progress, this.errors);
  }
}

/** The header (or property) a validation target (`addresses.1.city`) came from, the closest one known. */
function sourceOf(sources: Map<string, string>, target: string): string {
  const [head, second] = target.split('.');
  return sources.get(target) ?? sources.get(`${head}.${second}`) ?? sources.get(head) ?? target;
}

/** A row checked exactly as the body of `POST …/contacts` is: the DTO's rules, then the tab's. */
async function checkRow(
  record: ImportRecord,
  tab: Tab,
): Promise<
  | { input: ContactInput; fields: ReturnType<typeof applyContactInput>['fields'] }
  | { problems: Array<ApiErrorDetail | { column?: string; message: string }> }
> {
  if (record.problems.length) return { problems: record.problems };
  const dto = plainToInstance(CreateContactDto, record.input);
  const errors = await validate(dto, VALIDATOR_OPTIONS);
  if (errors.length) return { problems: validationDetails(errors) };
  const input = dto as ContactInput;
  const { fields, problems } = applyContactInput(EMPTY_CONTACT, input, tab, 'create');
  return problems.length ? { problems } : { input, fields };
}

/** The form fields checked as a DTO; the mapping is a JSON object of header → field (or null). */
async function importOptions(fields: Record<string, string>): Promise<{
  mode: ImportMode;
  dryRun: boolean;
  mapping?: Record<string, string | null>;
}> {
  const dto = plainToInstance(ContactImportOptionsDto, fields);
  const errors = await validate(dto, VALIDATOR_OPTIONS);
  if (errors.length)
    throw ApiError.badRequest(
      'The import options are invalid: see details.',
      undefined,
      validationDetails(errors),
    );
  let mapping: Record<string, string | null> | undefined;
  if (dto.mapping !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(dto.mapping);
    } catch {
      parsed = undefined;
    }
    const valid =
      typeof parsed === 'object' &&
      parsed !== null &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((value) => value === null || typeof value === 'string');
    if (!valid) {
      throw ApiError.badRequest(
        'mapping must be a JSON object of column header → contact field (or null to ignore the column).',
        'mapping',
      );
    }
    mapping = parsed as Record<string, string | null>;
  }
  return { mode: dto.mode ?? IMPORT_MODES[0], dryRun: dto.dryRun === 'true', mapping };
}

/** Errors of the multipart reader (limits, malformed bodies) as the API's errors. */
function uploadError(error: unknown, maxFileBytes: number): unknown {
  if (error instanceof ApiError) return error;
  const code = (error as { code?: string }).code ?? '';
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    return ApiError.payloadTooLarge(`The file is larger than ${maxFileBytes} bytes; split it.`, 'file');
  }
  if (code.startsWith('FST_')) {
    return ApiError.badRequest(`The multipart body cannot be read: ${(error as Error).message}`);
  }
  if (error instanceof Error && /multipart|boundary|Unexpected end of form/i.test(error.message)) {
    return ApiError.badRequest(`The multipart body cannot be read: ${error.message}`);
  }
  return error;
}
