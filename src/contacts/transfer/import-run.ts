import { createHash } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { userReferenceOf } from '../../auth';
import type { ApiErrorDetail } from '../../common/errors/api-error';
import { VALIDATOR_OPTIONS, validationDetails } from '../../common/validation/dto-validation';
import { JOB_ERRORS_KEPT, type JobContext, type JobProgress, type JobRowError } from '../../jobs';
import type { Tab } from '../../tabs/tab.schema';
import { contactModel, contactModelForTab } from '../core/contact.entity-model';
import {
  applyContactInput,
  contactFieldsOf,
  EMPTY_CONTACT,
  storedContactFields,
  type StoredContactFields,
} from '../core/contact-mapping';
import type { Contact, ContactPhoto } from '../core/contact.schema';
import { ApiError } from '../../common/errors/api-error';
import { photoBlobNames, type PhotoBlobs } from '../photo/photo-blobs';
import { processPhoto, sniffImageType } from '../photo/photo-processing';
import type { VCardPhoto } from './vcard-photo';
import type { ContactInput } from '../core/contact-values';
import type { ImportMode } from './dto/contact-import.dto';
import { CreateContactDto } from '../core/dto/contact-input.dto';
import type { ImportFormat, ImportRecord } from './contact-import-reader';
import type { ContactTransferStore, ImportedUpdate } from './contact-transfer.store';

/** Rows written per round trip to the database (and per recorded progress). */
const BATCH_ROWS = 1000;
/** How far other instances' clocks (which date the contacts they create) may lag behind this one's. */
const CLOCK_SKEW_MS = 60_000;
/** Contact ids of an import derive from (job, row) under this namespace, so a resumed row is the same contact. */
const ID_NAMESPACE = 'contact-pro/contact-import';

/** What the requester asked for (the job's `input`). */
export interface ImportInput {
  fileName: string;
  format: ImportFormat;
  mode: ImportMode;
  dryRun: boolean;
  mapping?: Record<string, string | null>;
  columns: { read: Array<{ header: string; field: string }>; ignored: string[] };
}

/** A UUID (version 5 layout) from the job and the row: the same row of the same import is the same contact. */
export function importedContactId(jobId: string, row: number): string {
  const hash = createHash('sha1').update(`${ID_NAMESPACE}|${jobId}|${row}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A row that creates a contact, as the batch holds it until it is written. */
interface PendingInsert {
  _id: string;
  stored: StoredContactFields;
  /** Its blobs are written already: removed again if the contact is not. */
  photo?: ContactPhoto;
  record: ImportRecord;
  input: ContactInput;
  addresses: string[];
}

/** A row that updates a stored contact. */
interface PendingUpdate {
  _id: string;
  row: number;
  input: ContactInput;
  sources: Map<string, string>;
  addresses: string[];
}

/** One pass of an import job over the file: rows are checked, batched, written, and progress recorded. */
export class ImportRun {
  readonly progress: JobProgress;
  readonly errors: JobRowError[];
  private readonly model;
  private readonly author;
  private inserts: PendingInsert[] = [];
  private updates: PendingUpdate[] = [];
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
    private readonly photos: PhotoBlobs,
    /** When the directory was read: contacts created since are looked for again before each batch. */
    private readonly directoryReadFrom: Date,
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
      this.counts.failed++;
      this.report(row, sources, checked.problems);
      return this.counted();
    }
    const stored = storedContactFields(checked.fields, this.model);
    const addresses = (stored.norm.emailAddresses as Array<{ address: string }>).map(
      (email) => email.address,
    );
    const ownId = importedContactId(this.context.job._id, row);
    const holders = holdersOf(addresses, this.directory);
    if (holders.includes(ownId)) {
      // Written by this job before it was interrupted, after its last recorded batch.
      this.counts.created++;
      return this.counted();
    }
    if (holders.length === 0) {
      for (const address of addresses) this.directory.set(address, ownId);
      const photo = record.photo ? await this.importPhoto(record, ownId, record.photo) : undefined;
      this.inserts.push({
        _id: ownId,
        stored,
        ...(photo ? { photo } : {}),
        record,
        input: checked.input,
        addresses,
      });
      this.pending.add(ownId);
      return this.counted();
    }
    if (this.input.mode !== 'create' && holders.length === 1 && this.pending.has(holders[0])) {
      // A second row for a contact of this batch: it applies to what the first one wrote.
      await this.flush();
    }
    this.addExisting(record, checked.input, addresses, holders);
    return this.counted();
  }

  /**
   * A new contact's photo, through the same checks and processing as an upload, its blobs written before
   * the contact that points to them. A photo that cannot be imported is reported on its row, and the
   * contact is imported without it.
   */
  private async importPhoto(
    { row, sources }: ImportRecord,
    contactId: string,
    source: VCardPhoto,
  ): Promise<ContactPhoto | undefined> {
    const skipped = (message: string) => this.report(row, sources, [{ column: 'PHOTO', message }]);
    if ('refused' in source) return void skipped(source.refused);
    try {
      const processed = await processPhoto(source.data, sniffImageType(source.data) ?? '');
      if (this.input.dryRun) return undefined;
      return (await this.photos.write(this.context.job.tenantId, this.tab._id, contactId, processed)).photo;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return void skipped(`PHOTO: ${error.message} The contact is imported without it.`);
    }
  }

  /**
   * A row whose e-mail addresses are in the tab already (`holders`: the contacts that have them): skipped
   * (mode create), or its contact's update. A second update of a contact within one batch is a failed row:
   * add() writes the batch first, so that happens only to a row settleCreatedMeanwhile() turns into an update.
   */
  private addExisting(
    { row, sources }: ImportRecord,
    input: ContactInput,
    addresses: string[],
    holders: string[],
  ): void {
    const refuse = (count: 'skipped' | 'failed', message: string) => {
      this.counts[count]++;
      this.report(row, sources, [{ column: sources.get('emailAddresses'), message }]);
    };
    if (this.input.mode === 'create') {
      const shared = addresses.filter((address) => this.directory.has(address));
      return refuse(
        'skipped',
        `skipped: a contact with the e-mail address ${shared.join(', ')} is already in the tab`,
      );
    }
    if (holders.length > 1)
      return refuse('failed', 'its e-mail addresses belong to several contacts of the tab');
    const target = holders[0];
    if (this.pending.has(target)) {
      return refuse(
        'failed',
        'another row of the file updates the same contact at the same time; import it again',
      );
    }
    for (const address of addresses) this.directory.set(address, target);
    this.updates.push({ _id: target, row, input, sources, addresses });
    this.pending.add(target);
  }

  /**
   * Contacts created in the tab since the import read its directory (through the API, on any instance) may
   * have the e-mail addresses of this batch's new contacts: those rows are then skipped (mode create) or
   * update that contact (mode upsert), as if it had been in the tab from the start. Runs holding the claims
   * of the batch's addresses, so that no create slips in between this look and the write.
   */
  private async settleCreatedMeanwhile(): Promise<void> {
    const addresses = this.inserts.flatMap((insert) => insert.addresses);
    if (addresses.length === 0) return;
    const stored = await this.store.emailDirectory(this.context.job.tenantId, this.tab._id, {
      addresses,
      createdSince: new Date(this.directoryReadFrom.getTime() - CLOCK_SKEW_MS),
    });
    if (stored.size === 0) return;
    const inserts = this.inserts;
    this.inserts = [];
    for (const insert of inserts) {
      const holders = holdersOf(insert.addresses, stored).filter((id) => id !== insert._id);
      if (holders.length === 0) {
        this.inserts.push(insert);
        continue;
      }
      this.pending.delete(insert._id);
      await this.photos.discard(this.photoBlobsOf([insert]));
      for (const address of insert.addresses) {
        const holder = stored.get(address);
        if (holder !== undefined) this.directory.set(address, holder);
        else if (this.directory.get(address) === insert._id) this.directory.delete(address);
      }
      this.addExisting(insert.record, insert.input, insert.addresses, holders);
    }
  }

  /** The photo blobs written for these new contacts. */
  private photoBlobsOf(inserts: PendingInsert[]): string[] {
    const { tenantId } = this.context.job;
    return inserts.flatMap(({ _id, photo }) =>
      photo ? photoBlobNames(tenantId, this.tab._id, _id, photo) : [],
    );
  }

  /** Counts the row in the batch, and writes the batch once full. */
  private async counted(): Promise<void> {
    this.rows++;
    if (this.rows >= BATCH_ROWS) await this.flush();
  }

  /** Writes the batch (unless a dry run) and records the progress. */
  async flush(): Promise<void> {
    if (this.rows === 0) return;
    if (this.input.dryRun) {
      const updates = this.updates.length ? await this.updatesToWrite() : [];
      this.counts.created += this.inserts.length;
      this.counts.updated += updates.length;
    } else {
      const addresses = [...this.inserts, ...this.updates].flatMap((row) => row.addresses);
      await this.store
        .holdingAddresses(this.context.job, this.tab._id, addresses, async () => {
          await this.settleCreatedMeanwhile();
          await this.write(this.updates.length ? await this.updatesToWrite() : []);
        })
        .catch(async (error: unknown) => {
          await this.photos.discard(this.photoBlobsOf(this.inserts));
          throw error;
        });
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

  /** The batch's updates applied to the contacts as stored now; rows that no longer apply are reported. */
  private async updatesToWrite(): Promise<ImportedUpdate[]> {
    const updates: ImportedUpdate[] = [];
    const current = new Map<string, Contact>(
      (
        await this.store.importTargets(
          this.context.job.tenantId,
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
    return updates;
  }

  /** Writes the batch; an update that lost a race with another writer is reported. */
  private async write(updates: ImportedUpdate[]): Promise<void> {
    const written = await this.store.writeImportBatch(
      this.context.job.tenantId,
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
}

/** The contacts that have one of `addresses` in `directory` (address → contact id), each once. */
function holdersOf(addresses: string[], directory: Map<string, string>): string[] {
  return [...new Set(addresses.map((address) => directory.get(address)).filter((id) => id !== undefined))];
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
