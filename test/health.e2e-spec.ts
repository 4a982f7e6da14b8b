import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmbeddedDb } = require('../tools/embedded-db');

interface EmbeddedDb {
  uri: string;
  port: number;
  stop(): Promise<void>;
}

/** Polls readiness until it answers `status`; every probe must answer within 2 s (no hang). */
async function waitForReady(url: string, status: number, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const probeStarted = Date.now();
    const res = await request(url).get('/health/ready').timeout(2500);
    expect(Date.now() - probeStarted).toBeLessThan(2000);
    if (res.status === status) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`ready stayed ${res.status}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('health probes', () => {
  let dataDir: string;
  let db: EmbeddedDb;
  let api: TestApp;

  beforeAll(async () => {
    // A database process of this file's own, so stopping it affects no other test.
    dataDir = mkdtempSync(join(tmpdir(), 'contact-pro-health-'));
    db = await startEmbeddedDb({ dataDir });
    api = await startTestApp('health', { MONGODB_URI: db.uri });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await db?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers live with 200 and terminus shape, without a token', async () => {
    const res = await request(api.url).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
  });

  it('answers ready with 200 while the database answers a ping', async () => {
    const res = await request(api.url).get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details.database.status).toBe('up');
  });

  it('turns ready to 503 when the database stops, and back to 200 when it returns, without an API restart', async () => {
    await db.stop();
    const downAfter = await waitForReady(api.url, 503, 5000);
    expect(downAfter).toBeLessThan(5000);

    const down = await request(api.url).get('/health/ready');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.error.database.status).toBe('down');
    // Liveness does not depend on the database.
    expect((await request(api.url).get('/health/live')).status).toBe(200);

    db = await startEmbeddedDb({ dataDir, listen: `127.0.0.1:${db.port}` });
    const upAfter = await waitForReady(api.url, 200, 10_000);
    expect(upAfter).toBeLessThan(10_000);
  }, 40_000);
});
