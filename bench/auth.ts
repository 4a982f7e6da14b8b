/**
 * Cost of authentication per request: `GET /api/v1/me` (token validation, scope check, login lookup and
 * the profile) with the profile cache and without it (USER_PROFILE_CACHE_SIZE=0: a database write and a
 * read per request), beside a public route of the same service answering a body of the same size. The
 * authenticated figures include the per-user rate-limit guard, which a public route skips.
 * Each case runs the service in a child process of its own (same setup, local identity provider, the
 * embedded database or MONGODB_URI), then one autocannon run of 32 connections for 10 s after a warm-up.
 * Run: npm run bench:auth  (writes bench/results/auth.json)
 */
import { Controller, Get, Module } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import { autocannon, type AutocannonResult } from './support/autocannon';

const CONNECTIONS = 32;
const DURATION_SECONDS = 10;
const WARMUP_SECONDS = 2;
const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = 'aaaaaaaa-0000-4000-8000-000000000001';

/** The public route of the baseline: a body like /me's, no token. */
const PROFILE = {
  id: USER,
  tenantId: TENANT,
  userPrincipalName: 'user-aaaaaaaa@contoso.test',
  displayName: 'Local User',
  mail: 'user-aaaaaaaa@contoso.test',
  jobTitle: null,
  department: null,
  officeLocation: null,
  businessPhones: [],
  createdDateTime: new Date().toISOString(),
  lastLoginDateTime: new Date().toISOString(),
};

interface Case {
  name: string;
  path: string;
  authenticated: boolean;
  env: Record<string, string>;
}

const CASES: Case[] = [
  { name: 'public route (no authentication)', path: '/api/v1/bench-public', authenticated: false, env: {} },
  { name: 'GET /api/v1/me with the profile cache', path: '/api/v1/me', authenticated: true, env: {} },
  {
    name: 'GET /api/v1/me without the profile cache',
    path: '/api/v1/me',
    authenticated: true,
    env: { USER_PROFILE_CACHE_SIZE: '0' },
  },
];

/** Child process: the service itself, plus the public baseline route. */
async function serve(): Promise<void> {
  const { Public } = await import('../src/auth/public.decorator');
  const { createApp } = await import('../src/app.factory');
  const { loadConfig } = await import('../src/config/load-config');
  const { IdentityProvider } = await import('../src/auth');

  @Controller('api/v1/bench-public')
  class BenchPublicController {
    @Get()
    @Public()
    profile(): typeof PROFILE {
      return PROFILE;
    }
  }
  @Module({ controllers: [BenchPublicController] })
  class BenchPublicModule {}

  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', PORT: '0', LOCAL_IDP_PORT: '0' });
  const app = await createApp(config, { logger: pino({ level: 'silent' }), imports: [BenchPublicModule] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`ready http://127.0.0.1:${port} ${app.get(IdentityProvider).issuerBaseUrl}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void app.close().then(() => process.exit(0)));
}

function startService(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; idpUrl: string }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', __filename, '--serve'], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const [word, url, idpUrl] = line.split(' ');
      if (word === 'ready') resolve({ child, url, idpUrl });
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before it was ready`)));
  });
}

function run(url: string, headers: Record<string, string>, seconds: number): Promise<AutocannonResult> {
  return autocannon({ url, headers, connections: CONNECTIONS, duration: seconds });
}

async function main(): Promise<void> {
  const localIdp = await import('../src/auth/local-identity-provider');
  const workDir = mkdtempSync(join(tmpdir(), 'contact-pro-bench-auth-'));
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOCAL_IDP_DIR: join(workDir, 'idp'),
    // One user sends every request: the rate limits (their guard still runs) must not answer 429.
    RATE_LIMIT_PER_USER: '10000000',
    RATE_LIMIT_PER_TENANT: '100000000',
  };
  let stopDb: (() => Promise<void>) | undefined;
  if (!process.env.MONGODB_URI) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startEmbeddedDb } = require('../tools/embedded-db');
    const db = await startEmbeddedDb({ dataDir: join(workDir, 'db') });
    env.MONGODB_URI = db.uri;
    stopDb = () => db.stop();
  }
  const keys = await localIdp.loadKeyMaterial(env.LOCAL_IDP_DIR);

  const results: Array<{
    case: string;
    requestsPerSecond: number;
    latencyP50Ms: number;
    latencyP99Ms: number;
    errors: number;
    non2xx: number;
  }> = [];
  try {
    for (const [index, scenario] of CASES.entries()) {
      const service = await startService({ ...env, ...scenario.env, MONGODB_DB_NAME: `bench_auth_${index}` });
      try {
        const headers: Record<string, string> = {};
        if (scenario.authenticated) {
          const token = localIdp.mintToken(keys, {
            issuer: localIdp.issuerFor(service.idpUrl, TENANT),
            audience: localIdp.LOCAL_CLIENT_ID,
            tenantId: TENANT,
            userId: USER,
          });
          headers.authorization = `Bearer ${token}`;
        }
        const target = `${service.url}${scenario.path}`;
        await run(target, headers, WARMUP_SECONDS);
        const result = await run(target, headers, DURATION_SECONDS);
        results.push({
          case: scenario.name,
          requestsPerSecond: Math.round(result.requests.average),
          latencyP50Ms: result.latency.p50,
          latencyP99Ms: result.latency.p99,
          errors: result.errors,
          non2xx: result.non2xx,
        });
      } finally {
        service.child.stdin?.end();
        await new Promise((resolve) => service.child.once('exit', resolve));
      }
    }
  } finally {
    await stopDb?.();
    rmSync(workDir, { recursive: true, force: true });
  }

  const [baseline, cached, uncached] = results;
  const overheadUs = (rps: number) => Math.round(1e6 / rps - 1e6 / baseline.requestsPerSecond);
  const report = {
    benchmark: 'authentication overhead per request (GET /api/v1/me)',
    connections: CONNECTIONS,
    durationSeconds: DURATION_SECONDS,
    results,
    /** Service time added per request relative to the public route, from throughput (1/rps difference). */
    overheadMicrosecondsPerRequest: {
      withProfileCache: overheadUs(cached.requestsPerSecond),
      withoutProfileCache: overheadUs(uncached.requestsPerSecond),
    },
    node: process.version,
    date: new Date().toISOString(),
  };
  const directory = join(__dirname, 'results');
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'auth.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const row of results) {
    process.stdout.write(
      `${row.case.padEnd(42)} ${String(row.requestsPerSecond).padStart(6)} req/s  p50 ${row.latencyP50Ms} ms  p99 ${row.latencyP99Ms} ms  errors ${row.errors}  non-2xx ${row.non2xx}\n`,
    );
  }
  process.stdout.write(
    `authentication overhead: ${report.overheadMicrosecondsPerRequest.withProfileCache} µs/request with the profile cache, ` +
      `${report.overheadMicrosecondsPerRequest.withoutProfileCache} µs/request without\n`,
  );
}

if (process.argv.includes('--serve')) {
  serve().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
