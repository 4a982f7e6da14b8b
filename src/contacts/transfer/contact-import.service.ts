import type { Multipart } from '@fastify/multipart';
import { HttpStatus, Injectable, OnModuleInit } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { AuthenticatedUser } from '../../auth';
import { ApiError } from '../../common/errors/api-error';
import { InjectTenantRepository } from '../../common/persistence/tenant-repository.providers';
import type { TenantRepository } from '../../common/persistence/tenant-scope';
import { VALIDATOR_OPTIONS, validationDetails } from '../../common/validation/dto-validation';
import { AppConfig } from '../../config/app-config';
import {
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
import { ContactsService } from '../core/contacts.service';
import { ContactImportOptionsDto, IMPORT_MODES, type ImportMode } from './dto/contact-import.dto';
import {
  detectFormat,
  openImport,
  scanImport,
  type ImportLimits,
  type ImportSource,
} from './contact-import-reader';
import { targetProperty } from './contact-columns';
import { ImportFileChunk } from './contact-import-file.schema';
import { PhotoBlobs } from '../photo/photo-blobs';
import { ContactTransferStore } from './contact-transfer.store';
import { UnreadableFileError } from './csv';
import { ImportRun, type ImportInput } from './import-run';

export const CONTACT_IMPORT = 'contactImport';
const CHUNK_BYTES = 1024 * 1024;

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
    private readonly photos: PhotoBlobs,
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
    const tab = await this.tabs.findTabToEditContacts(user, tabId);
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
    const directoryReadFrom = new Date();
    const run = new ImportRun(
      context,
      tab,
      input,
      this.store,
      await this.store.emailDirectory(job.tenantId, tab._id),
      this.photos,
      directoryReadFrom,
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
