import { randomUUID } from 'node:crypto';
import { TabsService } from '../tabs/tabs.service';
import { InMemoryTenantRepository } from '../../test/support/in-memory-tenant-repository';
import {
  CHANNEL,
  rejection,
  repositoryProvider,
  tabsTestingModule,
  TENANT,
  TEST_CONFIG,
  userOf,
} from '../../test/support/service-testing';
import { JobFailure, JobHandlers, type JobContext, type JobHandler } from './job-handlers';
import { EMPTY_PROGRESS, Job } from './job.schema';
import { JobsService } from './jobs.service';

const REQUESTER = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const STRANGER = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

/** A handler of kind 'test' that records its runs and does what `behaviour` says. */
class TestHandler implements JobHandler {
  readonly kind = 'test';
  readonly runs: string[] = [];
  readonly cleanedUp: string[] = [];
  behaviour: (context: JobContext) => Promise<void> = async () => undefined;

  async run(context: JobContext) {
    this.runs.push(context.job._id);
    await this.behaviour(context);
    const progress = { ...EMPTY_PROGRESS, total: 1, processed: 1, created: 1 };
    await context.checkpoint(progress, []);
    return { progress, errors: [] };
  }

  async cleanUp(job: Job): Promise<void> {
    this.cleanedUp.push(job._id);
  }
}

function storedJob(overrides: Partial<Job> = {}): Job {
  const now = new Date();
  return {
    _id: randomUUID(),
    tenantId: TENANT,
    kind: 'test',
    status: 'queued',
    input: {},
    state: {},
    progress: { ...EMPTY_PROGRESS },
    rowErrors: [],
    requestedBy: { id: REQUESTER, displayName: 'Requester' },
    attempts: 0,
    createdDateTime: now,
    lastModifiedDateTime: now,
    ...overrides,
  };
}

/** Starts the jobs module over these stored jobs; starting polls once. */
async function start(...seeded: Job[]) {
  const jobs = new InMemoryTenantRepository<Job>().seed(...seeded);
  const handler = new TestHandler();
  const built = await tabsTestingModule([JobsService, JobHandlers, repositoryProvider(Job.name, jobs)], {
    init: false,
  });
  built.module.get(JobHandlers).plug(handler);
  await built.module.init();
  return { ...built, jobs, handler, service: built.module.get(JobsService) };
}

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 2000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('JobsService', () => {
  it('runs a queued job with its kind’s handler, records the outcome and cleans up; other kinds wait', async () => {
    const job = storedJob();
    const unknown = storedJob({ kind: 'unknownKind' });
    const { jobs, handler, module } = await start(job, unknown);
    await until(() => jobs.stored(job._id)?.status === 'succeeded');
    const done = jobs.stored(job._id)!;
    expect([done.attempts, done.progress.created, done.leaseOwner]).toEqual([1, 1, undefined]);
    expect(handler.cleanedUp).toEqual([job._id]);
    expect(jobs.stored(unknown._id)?.status).toBe('queued');
    await module.close();
  });

  it('claims again a job whose lease ran out, and leaves one whose lease holds', async () => {
    const past = new Date(Date.now() - 1000);
    const future = new Date(Date.now() + TEST_CONFIG.jobs.leaseMs);
    const expired = storedJob({ status: 'running', leaseOwner: 'gone', leaseExpiresAt: past, attempts: 1 });
    const held = storedJob({ status: 'running', leaseOwner: 'alive', leaseExpiresAt: future, attempts: 1 });
    const { jobs, handler, module } = await start(expired, held);
    await until(() => jobs.stored(expired._id)?.status === 'succeeded');
    expect(jobs.stored(expired._id)?.attempts).toBe(2);
    expect(handler.runs).toEqual([expired._id]);
    expect(jobs.stored(held._id)).toMatchObject({ status: 'running', leaseOwner: 'alive' });
    await module.close();
  });

  it('fails a job claimed more than JOB_MAX_ATTEMPTS times without running it again', async () => {
    const past = new Date(Date.now() - 1000);
    const maxAttempts = TEST_CONFIG.jobs.maxAttempts;
    const worn = storedJob({
      status: 'running',
      leaseOwner: 'gone',
      leaseExpiresAt: past,
      attempts: maxAttempts,
    });
    const { jobs, handler, module } = await start(worn);
    await until(() => jobs.stored(worn._id)?.status === 'failed');
    expect(jobs.stored(worn._id)?.failureReason).toContain(`interrupted ${maxAttempts} times`);
    expect(handler.runs).toEqual([]);
    expect(handler.cleanedUp).toEqual([worn._id]);
    await module.close();
  });

  it('fails a job with the JobFailure’s reason, or a generic one for an unexpected error', async () => {
    const refused = storedJob();
    const broken = storedJob({ createdDateTime: new Date(Date.now() + 1) });
    const { jobs, handler, module } = await start();
    handler.behaviour = async ({ job }) => {
      if (job._id === refused._id) throw new JobFailure('The file is empty.');
      throw new Error('disk on fire');
    };
    jobs.seed(refused, broken);
    await module
      .get(JobsService)
      .create(userOf(REQUESTER), { kind: 'other', input: {}, state: {}, total: 0 });
    await until(() => jobs.stored(broken._id)?.status === 'failed');
    expect(jobs.stored(refused._id)?.failureReason).toBe('The file is empty.');
    expect(jobs.stored(broken._id)?.failureReason).toBe(
      'An unexpected error stopped the job; nothing more was written.',
    );
    await module.close();
  });

  it('stops a handler whose lease another instance took, and leaves the job to that instance', async () => {
    const job = storedJob();
    const { jobs, handler, module } = await start();
    let interrupted: unknown;
    handler.behaviour = async (context) => {
      const stored = jobs.stored(job._id)!;
      stored.leaseOwner = 'another-instance';
      await context.checkpoint(stored.progress, []).catch((error: unknown) => {
        interrupted = error;
        throw error;
      });
    };
    jobs.seed(job);
    await module
      .get(JobsService)
      .create(userOf(REQUESTER), { kind: 'other', input: {}, state: {}, total: 0 });
    await until(() => interrupted !== undefined);
    // Closing waits for the run to end.
    await module.close();
    expect((interrupted as Error).name).toBe('JobInterrupted');
    expect(jobs.stored(job._id)).toMatchObject({ status: 'running', leaseOwner: 'another-instance' });
    expect(handler.cleanedUp).toEqual([]);
  });

  it('shows a job to its requester, the owners of its tab and administrators; others get a 404', async () => {
    const { module, service } = await start();
    const owner = userOf('dddddddd-dddd-4ddd-8ddd-dddddddddddd');
    const tab = await module.get(TabsService).create(owner, {
      channelId: CHANNEL,
      channelName: 'General',
      displayName: 'Suppliers',
    });
    const job = await service.create(userOf(REQUESTER), {
      kind: 'other',
      tabId: tab.id,
      input: {},
      state: {},
      total: 0,
    });
    expect((await service.get(userOf(REQUESTER), job.id)).id).toBe(job.id);
    expect((await service.get(owner, job.id)).id).toBe(job.id);
    expect((await service.get(userOf(STRANGER, { isAdmin: true }), job.id)).id).toBe(job.id);
    expect((await rejection(service.get(userOf(STRANGER), job.id))).getStatus()).toBe(404);
    await module.close();
  });
});
