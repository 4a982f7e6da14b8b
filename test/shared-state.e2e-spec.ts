import { createServer, type Server } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { callerOf } from './support/http';
import { TENANT_1, TokenFactory, USER_A } from './support/tokens';

/** A port that accepts TCP connections and closes them at once: a Redis that is there but never answers. */
async function closingPort(): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('shared state (REDIS_URL) when Redis is unreachable', () => {
  let api: TestApp;
  let redis: { port: number; server: Server };
  const lines: string[] = [];
  let token: string;

  beforeAll(async () => {
    redis = await closingPort();
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    api = await startTestApp(
      'shared-state',
      { REDIS_URL: `redis://127.0.0.1:${redis.port}`, RATE_LIMIT_PER_USER: '5', LOG_LEVEL: 'info' },
      [],
      { logger },
    );
    token = (await TokenFactory.for(api)).mint({ tenantId: TENANT_1, userId: USER_A });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await new Promise((resolve) => redis?.server.close(resolve));
  });

  it('keeps serving, limits per instance, reports it in readiness and logs it once', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await callerOf(api.url, token).get('/api/v1/me')).status);
    // The per-user budget of 5 is still applied, by this instance's own counters.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);

    const ready = await request(api.url).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.redis).toMatchObject({ status: 'up', shared: false });
    expect(ready.body.details.redis.message).toContain('rate limits are per instance');

    const unreachable = lines.filter((line) => line.includes('Redis is unreachable'));
    expect(unreachable).toHaveLength(1);
  });
});

describe('shared state without REDIS_URL', () => {
  let api: TestApp;
  const lines: string[] = [];

  beforeAll(async () => {
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    api = await startTestApp('shared-state-off', {}, [], { logger });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  it('says at start that rate limits and cache invalidation are per instance, and readiness says so too', async () => {
    expect(lines.filter((line) => line.includes('REDIS_URL is not set'))).toHaveLength(1);
    const ready = await request(api.url).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.redis).toEqual({
      status: 'up',
      shared: false,
      message: 'REDIS_URL is not set',
    });
  });
});
