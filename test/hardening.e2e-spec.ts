import { Body, Controller, Get, Module, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import request from 'supertest';
import { UploadRoute } from '../src/common/http/body-limit';
import { Public } from '../src/auth';
import { ConfigError } from '../src/config/app-config';
import { loadConfig } from '../src/config/load-config';
import { startTestApp, TestApp } from './support/app';
import { bearer, TENANT_1, TENANT_2, TokenFactory, USER_A, USER_B } from './support/tokens';

/** Routes mounted only in this test: the client address, a slow handler, a JSON route and an upload route. */
@Public()
@Controller('probe')
class ProbeController {
  static finishedLate = 0;

  @Get('ip')
  ip(@Req() request: FastifyRequest): { ip: string; protocol: string } {
    return { ip: request.ip, protocol: request.protocol };
  }

  @Get('slow')
  async slow(@Query('ms') ms: string): Promise<{ ok: true }> {
    await new Promise((resolve) => setTimeout(resolve, Number(ms)));
    ProbeController.finishedLate++;
    return { ok: true };
  }

  @Post('json')
  json(@Body() body: Record<string, unknown>): { keys: number } {
    return { keys: Object.keys(body).length };
  }

  @Post('upload')
  @UploadRoute()
  upload(@Body() body: Record<string, unknown>): { keys: number } {
    return { keys: Object.keys(body).length };
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

function expectErrorBody(body: any, code: string): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.innererror['request-id']).toBe('string');
}

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

describe('hardening', () => {
  describe('rate limits', () => {
    let api: TestApp;
    let tokens: TokenFactory;

    beforeAll(async () => {
      api = await startTestApp('ratelimit', { RATE_LIMIT_PER_USER: '3', RATE_LIMIT_PER_TENANT: '5' });
      tokens = await TokenFactory.for(api);
    });
    afterAll(() => api.close());

    const me = (token: string) => request(api.url).get('/api/v1/me').set('authorization', bearer(token));

    it('limits each user, then the tenant, with 429, Retry-After and the error body', async () => {
      const a = tokens.mint({ tenantId: TENANT_1, userId: USER_A });
      const b = tokens.mint({ tenantId: TENANT_1, userId: 'cccccccc-0000-4000-8000-000000000003' });
      for (let i = 0; i < 3; i++) expect((await me(a)).status).toBe(200);
      const limited = await me(a);
      expect(limited.status).toBe(429);
      expectErrorBody(limited.body, 'TooManyRequests');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(limited.body.error.message).toContain('from you');

      // The second user of the tenant has a budget of their own, until the tenant's is spent (3 + 2 = 5).
      for (let i = 0; i < 2; i++) expect((await me(b)).status).toBe(200);
      const tenantLimited = await me(b);
      expect(tenantLimited.status).toBe(429);
      expect(tenantLimited.body.error.message).toContain('your organization');
      expect(tenantLimited.headers['retry-after']).toBeDefined();

      // Another tenant is not affected.
      const other = tokens.mint({ tenantId: TENANT_2, userId: USER_B });
      expect((await me(other)).status).toBe(200);
    });

    it('never limits health probes, documentation, or requests refused before authentication', async () => {
      for (let i = 0; i < 20; i++) {
        expect((await request(api.url).get('/health/live')).status).toBe(200);
        expect((await request(api.url).get('/health/ready')).status).toBe(200);
      }
      expect((await request(api.url).get('/docs-json')).status).toBe(200);
      for (let i = 0; i < 10; i++) expect((await request(api.url).get('/api/v1/me')).status).toBe(401);
    });
  });

  describe('HTTP', () => {
    let api: TestApp;
    let tokens: TokenFactory;

    beforeAll(async () => {
      api = await startTestApp('hardening', { REQUEST_TIMEOUT_MS: '400', TRUST_PROXY: '1' }, [ProbeModule]);
      tokens = await TokenFactory.for(api);
    });
    afterAll(() => api.close());
    const postJson = (path: string, body: string) =>
      request(api.url).post(path).set('content-type', 'application/json').send(body);

    it('sends security headers on API answers and errors', async () => {
      const token = tokens.mint({ tenantId: TENANT_1, userId: USER_A });
      for (const res of [
        await request(api.url).get('/api/v1/me').set('authorization', bearer(token)),
        await request(api.url).get('/api/v1/me'),
        await request(api.url).get('/health/live'),
      ]) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('still renders Swagger UI under the content security policy', async () => {
      const ui = await request(api.url).get('/docs').redirects(1);
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger-ui');
      const csp = ui.headers['content-security-policy'];
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      // Every script of the page is served from this origin (no inline script the policy would block).
      expect(ui.text).not.toMatch(/<script>(?!\s*<\/script>)/);
      const init = await request(api.url).get('/docs/swagger-ui-init.js');
      expect(init.status).toBe(200);
    });

    it.each([
      ['https://teams.microsoft.com', true],
      ['https://contoso.teams.microsoft.com', true],
      ['https://teams.cloud.microsoft', true],
      ['https://outlook.office.com', true],
      ['https://www.microsoft365.com', true],
      ['https://evilteams.microsoft.com', false],
      ['https://teams.microsoft.com.evil.example', false],
      ['http://teams.microsoft.com', false],
      ['https://evil.example', false],
      ['null', false],
    ])('CORS: origin %s allowed=%s', async (origin, allowed) => {
      const preflight = await request(api.url)
        .options('/api/v1/tabs')
        .set('origin', origin)
        .set('access-control-request-method', 'POST')
        .set('access-control-request-headers', 'authorization,content-type');
      const simple = await request(api.url).get('/health/live').set('origin', origin);
      if (allowed) {
        expect(preflight.status).toBe(204);
        expect(preflight.headers['access-control-allow-origin']).toBe(origin);
        expect(preflight.headers['access-control-allow-methods']).toContain('PATCH');
        expect(preflight.headers['access-control-allow-headers']).toMatch(/authorization/i);
        expect(simple.headers['access-control-allow-origin']).toBe(origin);
        expect(simple.headers['access-control-expose-headers']).toMatch(/ETag/);
      } else {
        expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
        expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      }
    });

    it('trusts the configured number of proxies for the client address and protocol', async () => {
      const res = await request(api.url)
        .get('/probe/ip')
        .set('x-forwarded-for', '203.0.113.7')
        .set('x-forwarded-proto', 'https');
      expect(res.body).toEqual({ ip: '203.0.113.7', protocol: 'https' });
    });

    it('answers a request past the timeout with 503 and the error body, and survives the late handler', async () => {
      const before = ProbeController.finishedLate;
      const started = Date.now();
      const res = await request(api.url).get('/probe/slow?ms=1200');
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expectErrorBody(res.body, 'ServiceUnavailable');
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['request-id']).toBe(res.body.error.innererror['request-id']);
      expect(elapsed).toBeGreaterThanOrEqual(380);
      expect(elapsed).toBeLessThan(1100);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(ProbeController.finishedLate).toBe(before + 1);
      // The service is still fine afterwards.
      expect((await request(api.url).get('/probe/slow?ms=10')).status).toBe(200);
      expect((await request(api.url).get('/health/live')).status).toBe(200);
    });

    it('limits JSON bodies to 1 MiB and lets upload routes have their own limit', async () => {
      const big = JSON.stringify({ data: 'x'.repeat(1024 * 1024 + 10) });
      const json = await postJson('/probe/json', big);
      expect(json.status).toBe(413);
      expectErrorBody(json.body, 'PayloadTooLarge');
      const upload = await postJson('/probe/upload', big);
      expect(upload.status).toBe(201);
      expect(upload.body).toEqual({ keys: 1 });
    });

    it('refuses JSON nested too deeply or with too many keys, before parsing', async () => {
      const ok = await postJson('/probe/json', nested(30));
      expect(ok.status).toBe(201);
      for (const body of [
        nested(33),
        `${'['.repeat(200_000)}${']'.repeat(200_000)}`,
        JSON.stringify(Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i]))),
        JSON.stringify({ list: Array.from({ length: 10_001 }, (_, i) => ({ [`k`]: i })) }),
      ]) {
        const started = Date.now();
        const res = await postJson('/probe/json', body);
        expect(res.status).toBe(400);
        expectErrorBody(res.body, 'BadRequest');
        expect(Date.now() - started).toBeLessThan(1000);
      }
      // Braces and colons inside strings are text, not structure.
      const text = JSON.stringify({ note: '{{{{[[[[:::'.repeat(5000) });
      expect((await postJson('/probe/json', text)).status).toBe(201);
    });

    it('refuses prototype-polluting keys', async () => {
      for (const body of [
        '{"__proto__":{"polluted":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
      ]) {
        const res = await postJson('/probe/json', body);
        expect(res.status).toBe(400);
        expectErrorBody(res.body, 'BadRequest');
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('settings', () => {
    it('reads the hardening settings and lists every bad one in one error', () => {
      const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017' };
      const defaults = loadConfig(base).hardening;
      expect(defaults).toMatchObject({
        rateLimit: { windowSeconds: 60, perUser: 1200, perTenant: 12_000 },
        trustProxy: false,
        requestTimeoutMs: 30_000,
        uploadBodyLimitBytes: 25 * 1024 * 1024,
        json: { maxDepth: 32, maxKeys: 10_000 },
        databaseRetry: { retries: 2, baseDelayMs: 100, maxDelayMs: 2000 },
        shutdownGraceMs: 10_000,
      });
      expect(defaults.corsOrigins).toContain('https://teams.microsoft.com');
      expect(
        loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 192.168.1.1', CORS_ALLOWED_ORIGINS: 'none' })
          .hardening,
      ).toMatchObject({ trustProxy: ['10.0.0.0/8', '192.168.1.1'], corsOrigins: [] });

      let problems: string[] = [];
      try {
        loadConfig({
          ...base,
          RATE_LIMIT_PER_USER: '0',
          RATE_LIMIT_PER_TENANT: 'many',
          RATE_LIMIT_WINDOW_SECONDS: '-1',
          CORS_ALLOWED_ORIGINS: 'https://ok.example,ftp://bad',
          TRUST_PROXY: 'maybe',
          UPLOAD_BODY_LIMIT_BYTES: '1',
          REQUEST_TIMEOUT_MS: '5',
          JSON_MAX_DEPTH: '0',
          JSON_MAX_KEYS: 'x',
          MONGODB_RETRIES: '11',
          MONGODB_RETRY_BASE_DELAY_MS: '500',
          MONGODB_RETRY_MAX_DELAY_MS: '100',
          SHUTDOWN_GRACE_MS: 'soon',
        });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems = error.problems;
      }
      expect(problems.map((problem) => problem.split(/[ =]/)[0]).sort()).toEqual(
        [
          'CORS_ALLOWED_ORIGINS',
          'JSON_MAX_DEPTH',
          'JSON_MAX_KEYS',
          'MONGODB_RETRIES',
          'MONGODB_RETRY_MAX_DELAY_MS',
          'RATE_LIMIT_PER_TENANT',
          'RATE_LIMIT_PER_USER',
          'RATE_LIMIT_WINDOW_SECONDS',
          'REQUEST_TIMEOUT_MS',
          'SHUTDOWN_GRACE_MS',
          'TRUST_PROXY',
          'UPLOAD_BODY_LIMIT_BYTES',
        ].sort(),
      );
    });
  });
});
