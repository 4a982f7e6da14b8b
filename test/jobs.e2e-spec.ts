import type { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { connectTestClient, testDatabaseName } from './support/database';
import { callerOf } from './support/http';
import { bearer, TENANT_1, TENANT_2, TokenFactory, USER_A, USER_B } from './support/tokens';

const MEMBER = 'cccccccc-0000-4000-8000-000000000003';
const READER = 'dddddddd-0000-4000-8000-000000000004';
const ADMIN = 'eeeeeeee-0000-4000-8000-000000000005';

const ENV = {
  RATE_LIMIT_PER_USER: '100000',
  RATE_LIMIT_PER_TENANT: '1000000',
  JOB_POLL_INTERVAL_MS: '100',
  JOB_LEASE_MS: '1500',
  JOB_MAX_ATTEMPTS: '3',
};

function csvOf(rows: number, prefix: string): Buffer {
  const lines = ['Display name,E-mail addresses,Company'];
  for (let i = 0; i < rows; i++)
    lines.push(`${prefix} ${i},${prefix.toLowerCase()}.${i}@example.com,Contoso`);
  return Buffer.from(lines.join('\r\n'));
}

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('jobs', () => {
  const dbName = testDatabaseName('jobs');
  let api: TestApp;
  let tokens: TokenFactory;
  let client: MongoClient;
  let as: { owner: string; member: string; reader: string; admin: string; foreign: string };
  let tab: any;

  async function start(): Promise<void> {
    api = await startTestApp('jobs', { ...ENV, MONGODB_DB_NAME: dbName });
    tokens = await TokenFactory.for(api);
    as = {
      owner: tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Owner' }),
      member: tokens.mint({ tenantId: TENANT_1, userId: MEMBER, name: 'Member' }),
      reader: tokens.mint({ tenantId: TENANT_1, userId: READER, name: 'Reader' }),
      admin: tokens.mint({ tenantId: TENANT_1, userId: ADMIN, name: 'Admin', admin: true }),
      foreign: tokens.mint({ tenantId: TENANT_2, userId: USER_B, name: 'Foreign' }),
    };
  }

  beforeAll(async () => {
    await start();
    client = await connectTestClient();
    tab = (
      await callerOf(api.url, as.owner)
        .post('/api/v1/tabs', {
          channelId: '19:jobs@thread.tacv2',
          channelName: 'Jobs',
          displayName: 'Jobs',
          permissions: { contactEditors: 'members', members: [MEMBER] },
        })
        .expect(201)
    ).body;
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  const jobs = () => client.db(dbName).collection<any>('jobs');
  const contacts = () => client.db(dbName).collection<any>('contacts');

  async function upload(file: Buffer, token: string): Promise<request.Response> {
    const res = await request(api.url)
      .post(`/api/v1/tabs/${tab.id}/contacts/import`)
      .set('authorization', bearer(token))
      .attach('file', file, 'contacts.csv');
    expect(res.status).toBe(202);
    return res;
  }

  async function job(id: string, token = as.owner): Promise<any> {
    return (await callerOf(api.url, token).get(`/api/v1/jobs/${id}`).expect(200)).body;
  }

  async function finished(id: string): Promise<any> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const current = await job(id);
      if (current.status === 'succeeded' || current.status === 'failed') return current;
      if (Date.now() > deadline) throw new Error(`job still ${current.status}`);
      await sleep(100);
    }
  }

  /** Waits until the job has recorded some progress but is not done. */
  async function midway(id: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const current = await jobs().findOne({ _id: id });
      if (current.status !== 'running' && current.status !== 'queued')
        throw new Error(`job ${current.status} too soon`);
      if (current.progress.processed > 0) return;
      if (Date.now() > deadline) throw new Error('no progress');
      await sleep(10);
    }
  }

  it('a job is visible to its requester, the owners of its tab and administrators; a 404 to anyone else', async () => {
    const res = await upload(csvOf(3, 'Visible'), as.member);
    const id = res.body.id;
    expect(res.body).toMatchObject({
      id,
      kind: 'contactImport',
      tabId: tab.id,
      status: 'queued',
      progress: { total: 3, processed: 0, created: 0, updated: 0, skipped: 0, failed: 0 },
      errors: [],
      failureReason: null,
      requestedBy: { id: MEMBER, displayName: 'Member' },
      input: { fileName: 'contacts.csv', format: 'csv', mode: 'create', dryRun: false },
      createdDateTime: expect.any(String),
    });
    const done = await finished(id);
    expect(done).toMatchObject({
      status: 'succeeded',
      startedDateTime: expect.any(String),
      finishedDateTime: expect.any(String),
    });
    expect(done).not.toHaveProperty('state');
    expect(done).not.toHaveProperty('leaseOwner');
    for (const token of [as.member, as.owner, as.admin]) expect((await job(id, token)).id).toBe(id);
    for (const token of [as.reader, as.foreign]) {
      const denied = await callerOf(api.url, token).get(`/api/v1/jobs/${id}`);
      expect(denied.status).toBe(404);
      expect(denied.body.error.code).toBe('NotFound');
    }
    expect((await callerOf(api.url, as.owner).get('/api/v1/jobs/not-a-guid')).status).toBe(404);
    // The uploaded file goes with the job's end.
    expect(await client.db(dbName).collection('importFileChunks').countDocuments()).toBe(0);
  });

  it('a job interrupted by stopping the API is released, and finished after restart without duplicates', async () => {
    const rows = 6000;
    const { body } = await upload(csvOf(rows, 'Restart'), as.owner);
    await midway(body.id);
    await api.close();
    const released = await jobs().findOne({ _id: body.id });
    expect(released).toMatchObject({ status: 'queued', attempts: 0 });
    expect(released.leaseOwner).toBeUndefined();
    expect(released.progress.processed).toBeGreaterThan(0);
    expect(released.progress.processed).toBeLessThan(rows);

    await start();
    const done = await finished(body.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      progress: { total: rows, processed: rows, created: rows, skipped: 0, failed: 0 },
    });
    const names = await contacts().distinct('displayName', { tabId: tab.id, displayName: /^Restart / });
    expect(names).toHaveLength(rows);
    expect(await contacts().countDocuments({ tabId: tab.id, displayName: /^Restart / })).toBe(rows);
  });

  it('a job whose instance died is resumed once its lease expires; the rows written after the last record are not duplicated', async () => {
    const rows = 4000;
    const { body } = await upload(csvOf(rows, 'Crash'), as.owner);
    await midway(body.id);
    // The lease passes to an instance that then dies: this one loses it at its next checkpoint (after
    // writing that batch) and stops; once the lease has expired, it is claimed again and resumed.
    // (The embedded database applies an update as a read-modify-write: a checkpoint racing this change
    // can undo it, so it is made again until it holds.)
    for (let tries = 0; ; tries++) {
      await jobs().updateOne(
        { _id: body.id, status: 'running' },
        {
          $set: {
            leaseOwner: 'an-instance-that-died',
            leaseExpiresAt: new Date(Date.now() + 300),
            attempts: 2,
          },
        },
      );
      await sleep(100);
      const current = await jobs().findOne({ _id: body.id });
      if (current.leaseOwner === 'an-instance-that-died' || current.attempts === 3) break;
      if (tries > 20) throw new Error('the lease could not be taken over');
    }
    const done = await finished(body.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      progress: { total: rows, processed: rows, created: rows, failed: 0 },
    });
    expect((await jobs().findOne({ _id: body.id })).attempts).toBe(3);
    expect(await contacts().countDocuments({ tabId: tab.id, displayName: /^Crash / })).toBe(rows);
  });

  /** Stores a job as an instance would have left it, whose uploaded file was never stored. */
  async function storedJob(fields: Record<string, unknown>): Promise<string> {
    const id = randomUUID();
    const now = new Date();
    await jobs().insertOne({
      _id: id,
      tenantId: TENANT_1,
      kind: 'contactImport',
      tabId: tab.id,
      state: { fileId: randomUUID(), chunks: 1 },
      rowErrors: [],
      requestedBy: { id: USER_A, displayName: 'Owner' },
      createdDateTime: now,
      lastModifiedDateTime: now,
      ...fields,
    });
    return id;
  }

  it('a job interrupted too many times is failed with a reason, never left running', async () => {
    const id = await storedJob({
      status: 'running',
      input: { fileName: 'lost.csv', format: 'csv', mode: 'create', dryRun: false },
      progress: { total: 10, processed: 5, created: 5, updated: 0, skipped: 0, failed: 0 },
      leaseOwner: 'an-instance-that-died',
      leaseExpiresAt: new Date(Date.now() - 1000),
      attempts: 3,
    });
    const done = await finished(id);
    expect(done).toMatchObject({
      status: 'failed',
      failureReason: expect.stringContaining('interrupted 3 times'),
      progress: { total: 10, processed: 5 },
    });
  });

  it('a job whose file is gone fails with a reason', async () => {
    const id = await storedJob({
      status: 'queued',
      input: { fileName: 'gone.csv', format: 'csv', mode: 'create', dryRun: false },
      progress: { total: 1, processed: 0, created: 0, updated: 0, skipped: 0, failed: 0 },
      attempts: 0,
    });
    const done = await finished(id);
    expect(done).toMatchObject({
      status: 'failed',
      failureReason: expect.stringContaining('no longer stored'),
    });
  });

  it('a tab deleted during its import keeps none of the contacts, and the job fails with a reason', async () => {
    const doomed = (
      await callerOf(api.url, as.owner)
        .post('/api/v1/tabs', {
          channelId: '19:jobs@thread.tacv2',
          channelName: 'Jobs',
          displayName: 'Doomed',
        })
        .expect(201)
    ).body;
    const res = await request(api.url)
      .post(`/api/v1/tabs/${doomed.id}/contacts/import`)
      .set('authorization', bearer(as.owner))
      .attach('file', csvOf(3000, 'Doomed'), 'contacts.csv');
    expect(res.status).toBe(202);
    await midway(res.body.id);
    await callerOf(api.url, as.owner).delete(`/api/v1/tabs/${doomed.id}`).expect(204);
    const deadline = Date.now() + 90_000;
    let stored = await jobs().findOne({ _id: res.body.id });
    while (stored.status === 'running' || stored.status === 'queued') {
      if (Date.now() > deadline) throw new Error(`job still ${stored.status}`);
      await sleep(100);
      stored = await jobs().findOne({ _id: res.body.id });
    }
    expect(stored.status).toBe('failed');
    expect(stored.failureReason).toMatch(/tab was deleted/);
    expect(await contacts().countDocuments({ tabId: doomed.id })).toBe(0);
  });

  it('the tenant purge removes jobs and uploaded files', async () => {
    await upload(csvOf(2, 'Purged'), as.owner);
    const res = await request(api.url)
      .delete('/api/v1/admin/tenant-data')
      .set('authorization', bearer(as.admin))
      .set('X-Confirm-Tenant-Id', TENANT_1);
    expect(res.status).toBe(200);
    expect(res.body.deletedDocuments).toHaveProperty('jobs');
    expect(await jobs().countDocuments({ tenantId: TENANT_1 })).toBe(0);
    expect(
      await client.db(dbName).collection('importFileChunks').countDocuments({ tenantId: TENANT_1 }),
    ).toBe(0);
  });
});
