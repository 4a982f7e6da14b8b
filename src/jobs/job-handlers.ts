import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth';
import { ExtensionPoint } from '../common/extension-point';
import type { Job, JobProgress, JobRowError } from './job.schema';

/** Thrown by a handler to fail its job with a reason shown to the requester. */
export class JobFailure extends Error {
  override readonly name = 'JobFailure';
}

/** Thrown by {@link JobContext.checkpoint} when this instance must stop working on the job. */
export class JobInterrupted extends Error {
  override readonly name = 'JobInterrupted';
}

/** What a handler sees of the job it runs. */
export interface JobContext {
  /** The job as claimed: `progress` and `rowErrors` are what was recorded before (empty on a first run). */
  readonly job: Job;
  /** The requester, as the job acts on their behalf. */
  readonly requester: AuthenticatedUser;
  /**
   * Records progress and the errors so far (the first `JOB_ERRORS_KEPT` are kept). Throws
   * {@link JobInterrupted} when the lease was lost or the instance is stopping: the handler stops there,
   * and whoever resumes the job starts after the last recorded progress.
   */
  checkpoint(progress: JobProgress, errors: readonly JobRowError[]): Promise<void>;
}

/** Runs the jobs of one kind (the contacts module's import). */
export interface JobHandler {
  readonly kind: string;
  /** Runs (or resumes) the job; returns its final progress and errors. */
  run(context: JobContext): Promise<{ progress: JobProgress; errors: readonly JobRowError[] }>;
  /** Drops what the job held (its uploaded file) once it has ended, whichever way. */
  cleanUp(job: Job): Promise<void>;
}

/** Where feature modules plug in the handlers of their kinds of job; an instance claims only those kinds. */
@Injectable()
export class JobHandlers extends ExtensionPoint<JobHandler> {
  kinds(): string[] {
    return this.plugged.map((handler) => handler.kind);
  }

  handlerOf(kind: string): JobHandler | undefined {
    return this.plugged.find((handler) => handler.kind === kind);
  }
}
