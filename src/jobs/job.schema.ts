import { Prop } from '@nestjs/mongoose';
import {
  TenantOwnedDocument,
  TenantOwnedSchema,
  tenantOwnedSchemaFor,
  type UserReference,
} from '../common/persistence/tenant-owned.schema';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** What a job counts as it goes: the rows of its file, those handled so far, and their outcomes. */
export const JOB_COUNTERS = ['total', 'processed', 'created', 'updated', 'skipped', 'failed'] as const;
export type JobProgress = Record<(typeof JOB_COUNTERS)[number], number>;

/** A problem with one row of the job's input; `row` is the row number in the file (1 = the header). */
export interface JobRowError {
  row: number;
  column?: string;
  message: string;
}

/** The first errors a job keeps; later ones are only counted (in `progress.failed`/`skipped`). */
export const JOB_ERRORS_KEPT = 1000;

export const EMPTY_PROGRESS: JobProgress = Object.freeze(
  Object.fromEntries(JOB_COUNTERS.map((counter) => [counter, 0])) as JobProgress,
);

/**
 * A background job (a contact import). Any instance may run it: the one holding the lease
 * (`leaseOwner` until `leaseExpiresAt`), renewed while it works. A job whose lease ran out is claimed again
 * and resumed from its recorded progress; after `JOB_MAX_ATTEMPTS` claims it is failed with a reason.
 */
@TenantOwnedSchema('jobs')
export class Job extends TenantOwnedDocument {
  /** What to do; the handler registered under this kind runs it. */
  @Prop({ type: String, required: true })
  kind: string;

  /** The tab the job works on (its owners may read the job). */
  @Prop({ type: String })
  tabId?: string;

  @Prop({ type: String, enum: JOB_STATUSES, required: true })
  status: JobStatus;

  /** What the requester asked for, as shown (for an import: file name, format, mode, dry run, columns). */
  @Prop({ type: Object, default: {} })
  input: Record<string, unknown>;

  /** What the handler needs to run or resume the job, never shown (for an import: the stored file). */
  @Prop({ type: Object, default: {} })
  state: Record<string, unknown>;

  @Prop({ type: Object, required: true })
  progress: JobProgress;

  /** Shown as `errors` (a name mongoose reserves for itself). */
  @Prop({ type: [Object], default: [] })
  rowErrors: JobRowError[];

  /** Why a failed job failed. */
  @Prop({ type: String })
  failureReason?: string;

  @Prop({ type: Object, required: true })
  requestedBy: UserReference;

  @Prop({ type: String })
  leaseOwner?: string;

  @Prop({ type: Date })
  leaseExpiresAt?: Date;

  /** Claims so far (a graceful release gives its claim back). */
  @Prop({ required: true })
  attempts: number;

  @Prop({ required: true })
  createdDateTime: Date;

  @Prop({ type: Date })
  startedDateTime?: Date;

  @Prop({ type: Date })
  finishedDateTime?: Date;

  @Prop({ required: true })
  lastModifiedDateTime: Date;
}

export const JobSchema = tenantOwnedSchemaFor(Job);
JobSchema.index({ tenantId: 1, _id: 1 });
// The claim looks across tenants for queued jobs and expired leases: the one index not led by the tenant.
JobSchema.index({ status: 1, leaseExpiresAt: 1 });
