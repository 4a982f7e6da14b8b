import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { userReferenceOf, type AuthenticatedUser } from '../auth';
import { ApiError } from '../common/errors/api-error';
import { KeyedSerializer } from '../common/persistence/keyed-serializer';
import { InjectTenantRepository } from '../common/persistence/tenant-repository.providers';
import type { TenantRepository, TenantScope } from '../common/persistence/tenant-scope';
import { AppConfig } from '../config/app-config';
import { TabsService } from '../tabs/tabs.service';
import type { JobDto } from './dto/job.dto';
import { JobFailure, JobHandlers, JobInterrupted, type JobContext, type JobHandler } from './job-handlers';
import { jobNotFound } from './job-id.pipe';
import {
  EMPTY_PROGRESS,
  Job,
  JOB_ERRORS_KEPT,
  type JobProgress,
  type JobRowError,
  type JobStatus,
} from './job.schema';

export interface NewJob {
  kind: string;
  tabId?: string;
  input: Record<string, unknown>;
  state: Record<string, unknown>;
  total: number;
}

/** The job this instance works on; `lost` once its lease was found taken (another instance resumed it). */
interface RunningJob {
  job: Job;
  lost: boolean;
}

/** How long shutdown waits for the running job to reach its next checkpoint before releasing it anyway. */
const STOP_WAIT_MS = 5000;

/**
 * Background jobs, persisted so that any instance can run them. An instance claims one job at a time with
 * a lease (`leaseOwner`, `leaseExpiresAt`) that it renews while working; a job whose lease ran out (its
 * instance died) is claimed again and resumed, and after `JOB_MAX_ATTEMPTS` claims it is failed with a
 * reason. A stopping instance releases its lease, so another one (or itself, restarted) resumes at once.
 *
 * The claim is atomic on MongoDB and Cosmos DB (one findOneAndUpdate). FerretDB's SQLite backend does not
 * apply a conditional update atomically between concurrent requests: two instances polling at the same
 * instant could both claim a job; the import's deterministic contact ids keep that from duplicating
 * contacts, and the lease check at each checkpoint stops the loser.
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger('Jobs');
  /**
   * This instance's writes to one job (renewal, checkpoint, release, end), one at a time: the embedded
   * database applies an update as a read-modify-write, so a renewal racing a release could undo it.
   */
  private readonly leaseWrites = new KeyedSerializer();
  /** Identifies this instance as a lease owner. */
  readonly instanceId = randomUUID();
  private timer?: NodeJS.Timeout;
  private working?: Promise<void>;
  private current?: RunningJob;
  private stopping = false;
  private pollAgain = false;

  constructor(
    @InjectTenantRepository(Job.name) private readonly jobs: TenantRepository<Job>,
    private readonly handlers: JobHandlers,
    private readonly tabs: TabsService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Names this instance as it appears in a job's leaseOwner, to tell which instance runs which job.
    this.logger.log(`instance ${this.instanceId} takes jobs`);
    this.timer = setInterval(() => this.poll(), this.config.jobs.pollIntervalMs);
    this.timer.unref();
    this.poll();
  }

  /** Stops claiming, lets the running job reach a checkpoint (bounded), and releases its lease. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    const running = this.current;
    if (!this.working) return;
    const stopped = await Promise.race([
      this.working.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_WAIT_MS).unref()),
    ]);
    if (!stopped && running) await this.release(running.job);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Queues a job for the caller; any instance will pick it up (this one at once when idle). */
  async create(user: AuthenticatedUser, job: NewJob): Promise<JobDto> {
    const now = new Date();
    const created = await this.jobs.forTenant(user.tenantId).insert({
      _id: randomUUID(),
      kind: job.kind,
      tabId: job.tabId,
      status: 'queued',
      input: job.input,
      state: job.state,
      progress: { ...EMPTY_PROGRESS, total: job.total },
      rowErrors: [],
      requestedBy: userReferenceOf(user),
      attempts: 0,
      createdDateTime: now,
      lastModifiedDateTime: now,
    });
    this.poll();
    return toJobDto(created);
  }

  /** A job, for its requester, the owners of its tab and the tenant's administrators; others get a 404. */
  async get(user: AuthenticatedUser, id: string): Promise<JobDto> {
    const job = await this.jobs.forTenant(user.tenantId).findById(id);
    if (!job || !(await this.canRead(user, job))) {
      throw jobNotFound();
    }
    return toJobDto(job);
  }

  private async canRead(user: AuthenticatedUser, job: Job): Promise<boolean> {
    if (user.isAdmin || job.requestedBy.id === user.userId) return true;
    if (!job.tabId) return false;
    try {
      const tab = await this.tabs.findTab(user, job.tabId);
      return tab.permissions.owners.includes(user.userId);
    } catch (error) {
      if (error instanceof ApiError) return false;
      throw error;
    }
  }

  /** Claims and runs jobs one after another until none is left; one run at a time in this instance. */
  private poll(): void {
    if (this.stopping) return;
    if (this.working) {
      this.pollAgain = true;
      return;
    }
    this.working = this.drain()
      .catch((error: unknown) => this.logger.error('job polling failed', errorText(error)))
      .finally(() => {
        this.working = undefined;
        if (this.pollAgain && !this.stopping) {
          this.pollAgain = false;
          this.poll();
        }
      });
  }

  private async drain(): Promise<void> {
    while (!this.stopping) {
      this.pollAgain = false;
      const job = await this.claim();
      if (!job) return;
      await this.run(job);
    }
  }

  /**
   * The one operation across tenants: an instance serves every tenant, so it looks for any queued job or
   * expired lease. It touches only lease fields; everything after it is scoped to the claimed job's tenant.
   */
  private async claim(): Promise<Job | null> {
    const now = new Date();
    return this.jobs.claimAcrossTenants(
      {
        kind: { $in: this.handlers.kinds() },
        $or: [{ status: 'queued' }, { status: 'running', leaseExpiresAt: { $lt: now } }],
      },
      {
        $set: {
          status: 'running',
          leaseOwner: this.instanceId,
          leaseExpiresAt: new Date(now.getTime() + this.config.jobs.leaseMs),
          lastModifiedDateTime: now,
        },
        $inc: { attempts: 1 },
      },
      { createdDateTime: 1 },
    );
  }

  private async run(job: Job): Promise<void> {
    const scope = this.jobs.forTenant(job.tenantId);
    const handler = this.handlers.handlerOf(job.kind) as JobHandler;
    if (job.attempts > this.config.jobs.maxAttempts) {
      await this.end(scope, job, handler, 'failed', {
        failureReason: `The job was interrupted ${job.attempts - 1} times (its instance stopped before finishing); it was given up.`,
      });
      return;
    }
    const state: RunningJob = { job, lost: false };
    this.current = state;
    if (!job.startedDateTime)
      await scope.updateOne({ _id: job._id }, { $set: { startedDateTime: new Date() } });
    const renewal = setInterval(
      () => void this.renew(scope, state),
      Math.max(50, this.config.jobs.leaseMs / 3),
    );
    try {
      const { progress, errors } = await handler.run(this.contextOf(scope, state));
      await this.end(scope, job, handler, 'succeeded', { progress, errors });
    } catch (error) {
      await this.endStopped(scope, state, handler, error);
    } finally {
      clearInterval(renewal);
      this.current = undefined;
    }
  }

  /** What a handler sees of its job: the job, on whose behalf it acts, and where it records progress. */
  private contextOf(scope: TenantScope<Job>, state: RunningJob): JobContext {
    const { job } = state;
    return {
      job,
      requester: {
        tenantId: job.tenantId,
        userId: job.requestedBy.id,
        displayName: job.requestedBy.displayName,
        isAdmin: false,
      },
      checkpoint: (progress, errors) => this.checkpoint(scope, state, progress, errors),
    };
  }

  /** Records progress and renews the lease; interrupts the handler when stopping or the lease was lost. */
  private async checkpoint(
    scope: TenantScope<Job>,
    state: RunningJob,
    progress: JobProgress,
    errors: readonly JobRowError[],
  ): Promise<void> {
    if (this.stopping) throw new JobInterrupted('the instance is stopping');
    const { job } = state;
    const { matched } = await this.leaseWrites.run(job._id, () =>
      scope.updateOne(
        { _id: job._id, leaseOwner: this.instanceId },
        {
          $set: {
            progress,
            rowErrors: errors.slice(0, JOB_ERRORS_KEPT),
            leaseExpiresAt: this.leaseEnd(),
            lastModifiedDateTime: new Date(),
          },
        },
      ),
    );
    if (matched === 0 || state.lost) {
      state.lost = true;
      throw new JobInterrupted('the lease was lost');
    }
  }

  /**
   * A handler that threw: an interrupted job goes back to the queue (unless another instance holds it now);
   * any other error fails it, with the handler's reason or, for an unexpected error, a generic one.
   */
  private async endStopped(
    scope: TenantScope<Job>,
    state: RunningJob,
    handler: JobHandler,
    error: unknown,
  ): Promise<void> {
    const { job } = state;
    if (error instanceof JobInterrupted) {
      if (!state.lost) await this.release(job);
      return;
    }
    if (!(error instanceof JobFailure)) {
      this.logger.error({ msg: 'job failed unexpectedly', jobId: job._id }, errorText(error));
    }
    const failureReason =
      error instanceof JobFailure
        ? error.message
        : 'An unexpected error stopped the job; nothing more was written.';
    await this.end(scope, job, handler, 'failed', { failureReason });
  }

  private leaseEnd(): Date {
    return new Date(Date.now() + this.config.jobs.leaseMs);
  }

  private async renew(scope: TenantScope<Job>, state: RunningJob): Promise<void> {
    try {
      const { matched } = await this.leaseWrites.run(state.job._id, () =>
        scope.updateOne(
          { _id: state.job._id, leaseOwner: this.instanceId, status: 'running' },
          { $set: { leaseExpiresAt: this.leaseEnd() } },
        ),
      );
      if (matched === 0) state.lost = true;
    } catch (error) {
      // A failed renewal is retried at the next tick; the lease is long enough to survive one.
      this.logger.warn({ msg: 'lease renewal failed', jobId: state.job._id, error: errorText(error) });
    }
  }

  /** Marks the job ended (if this instance still holds it) and drops what it held. */
  private async end(
    scope: TenantScope<Job>,
    job: Job,
    handler: JobHandler,
    status: Extract<JobStatus, 'succeeded' | 'failed'>,
    outcome: { progress?: JobProgress; errors?: readonly JobRowError[]; failureReason?: string },
  ): Promise<void> {
    const now = new Date();
    const { matched } = await this.leaseWrites.run(job._id, () =>
      scope.updateOne(
        { _id: job._id, leaseOwner: this.instanceId },
        {
          $set: {
            status,
            finishedDateTime: now,
            lastModifiedDateTime: now,
            ...(outcome.progress ? { progress: outcome.progress } : {}),
            ...(outcome.errors ? { rowErrors: outcome.errors.slice(0, JOB_ERRORS_KEPT) } : {}),
            ...(outcome.failureReason ? { failureReason: outcome.failureReason } : {}),
            state: {},
          },
          $unset: { leaseOwner: 1, leaseExpiresAt: 1 },
        },
      ),
    );
    if (matched > 0) await handler.cleanUp(job);
  }

  /** Gives the job back to the queue (and its claim back to the attempts): another instance resumes it. */
  private async release(job: Job): Promise<void> {
    await this.leaseWrites.run(job._id, () =>
      this.jobs.forTenant(job.tenantId).updateOne(
        { _id: job._id, leaseOwner: this.instanceId, status: 'running' },
        {
          $set: { status: 'queued', lastModifiedDateTime: new Date() },
          $unset: { leaseOwner: 1, leaseExpiresAt: 1 },
          $inc: { attempts: -1 },
        },
      ),
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export function toJobDto(job: Job): JobDto {
  return {
    id: job._id,
    kind: job.kind,
    tabId: job.tabId ?? null,
    status: job.status,
    input: job.input,
    progress: job.progress,
    errors: job.rowErrors.map((error) => ({
      row: error.row,
      column: error.column ?? null,
      message: error.message,
    })),
    failureReason: job.failureReason ?? null,
    requestedBy: job.requestedBy,
    createdDateTime: job.createdDateTime,
    startedDateTime: job.startedDateTime ?? null,
    finishedDateTime: job.finishedDateTime ?? null,
    lastModifiedDateTime: job.lastModifiedDateTime,
  };
}
