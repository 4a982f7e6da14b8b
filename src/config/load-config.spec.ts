import { ConfigError } from './app-config';
import { loadConfig } from './load-config';

const BASE = { MONGODB_URI: 'mongodb://127.0.0.1:27017' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(BASE);
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 3000,
      logLevel: 'info',
      bodyLimitBytes: 1048576,
      mongodbDbName: 'contactpro',
      mongodbTimeoutMs: 2000,
    });
    expect(config.applicationInsightsConnectionString).toBeUndefined();
    expect(config.pagingTokenSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      ...BASE,
      NODE_ENV: 'production',
      AZURE_AD_CLIENT_ID: '6f2c9e0a-1b7d-4c3e-9a55-0d6f1c2b3a4e',
      AZURE_AD_TENANT_ID: 'common',
      HOST: '0.0.0.0',
      PORT: '8080',
      LOG_LEVEL: 'debug',
      BODY_LIMIT_BYTES: '4096',
      MONGODB_DB_NAME: 'other',
      MONGODB_TIMEOUT_MS: '500',
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
      PAGING_TOKEN_SECRET: 'x'.repeat(40),
    });
    expect(config).toMatchObject({ nodeEnv: 'production', host: '0.0.0.0', port: 8080, logLevel: 'debug' });
    expect(config.pagingTokenSecret).toBe('x'.repeat(40));
  });

  it('reads the import and job settings', () => {
    expect(loadConfig(BASE)).toMatchObject({
      transfer: { maxFileBytes: 20 * 1024 * 1024, maxRows: 100_000, maxUncompressedBytes: 256 * 1024 * 1024 },
      jobs: { leaseMs: 30_000, pollIntervalMs: 1000, maxAttempts: 3 },
    });
    const config = loadConfig({
      ...BASE,
      IMPORT_MAX_FILE_BYTES: '2048',
      IMPORT_MAX_ROWS: '10',
      IMPORT_MAX_UNCOMPRESSED_BYTES: '4096',
      JOB_LEASE_MS: '500',
      JOB_POLL_INTERVAL_MS: '50',
      JOB_MAX_ATTEMPTS: '2',
    });
    expect(config.transfer).toEqual({ maxFileBytes: 2048, maxRows: 10, maxUncompressedBytes: 4096 });
    expect(config.jobs).toEqual({ leaseMs: 500, pollIntervalMs: 50, maxAttempts: 2 });
    expect(problemsOf({ ...BASE, JOB_LEASE_MS: '10' })).toEqual([expect.stringContaining('JOB_LEASE_MS')]);
  });

  it('reads the photo storage settings, never echoing the connection string', () => {
    expect(loadConfig(BASE).photos).toEqual({
      connectionString: undefined,
      container: 'contact-photos',
      timeoutMs: 5000,
      sweepIntervalSeconds: 3600,
      sweepGraceSeconds: 3600,
    });
    const connectionString =
      'DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net';
    const config = loadConfig({
      ...BASE,
      AZURE_STORAGE_CONNECTION_STRING: connectionString,
      AZURE_STORAGE_CONTAINER: 'photos-eu',
      AZURE_STORAGE_TIMEOUT_MS: '800',
      PHOTO_SWEEP_INTERVAL_SECONDS: '0',
      PHOTO_SWEEP_GRACE_SECONDS: '60',
    });
    expect(config.photos).toEqual({
      connectionString,
      container: 'photos-eu',
      timeoutMs: 800,
      sweepIntervalSeconds: 0,
      sweepGraceSeconds: 60,
    });
    const problems = problemsOf({
      ...BASE,
      AZURE_STORAGE_CONNECTION_STRING: 'not;a=secret-looking value',
      AZURE_STORAGE_CONTAINER: 'Photos_EU',
    });
    expect(problems).toEqual([
      expect.stringContaining('AZURE_STORAGE_CONNECTION_STRING (value hidden)'),
      expect.stringContaining('AZURE_STORAGE_CONTAINER="Photos_EU"'),
    ]);
    expect(problems.join('\n')).not.toContain('secret-looking');
  });

  it('lists every bad variable in one error', () => {
    const problems = problemsOf({
      PORT: '70000',
      LOG_LEVEL: 'loud',
      BODY_LIMIT_BYTES: '1e6',
      NODE_ENV: 'staging',
      MONGODB_DB_NAME: 'a b',
    });
    expect(problems.map((problem) => problem.split(/[ =]/)[0])).toEqual(
      expect.arrayContaining([
        'PORT',
        'LOG_LEVEL',
        'BODY_LIMIT_BYTES',
        'NODE_ENV',
        'MONGODB_DB_NAME',
        'MONGODB_URI',
      ]),
    );
    expect(problems).toHaveLength(6);
    expect(problems.find((problem) => problem.startsWith('PORT'))).toContain('0 to 65535');
  });

  it('never echoes a secret value', () => {
    const problems = problemsOf({
      MONGODB_URI: 'postgres://user:hunter2@db',
      PAGING_TOKEN_SECRET: 'short-secret',
    });
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems.join('\n')).not.toContain('short-secret');
    expect(problems).toHaveLength(2);
  });

  it('takes a redis:// or rediss:// REDIS_URL, refuses anything else without echoing it', () => {
    expect(loadConfig(BASE).redisUrl).toBeUndefined();
    expect(loadConfig({ ...BASE, REDIS_URL: 'rediss://:key@cache.example.net:6380' }).redisUrl).toBe(
      'rediss://:key@cache.example.net:6380',
    );
    for (const bad of ['http://:hunter2@cache:6379', 'redis://', 'cache:6379']) {
      const problems = problemsOf({ ...BASE, REDIS_URL: bad });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^REDIS_URL \(value hidden\): expected a redis:\/\/ or rediss:\/\/ URL/);
      expect(problems[0]).not.toContain('hunter2');
    }
  });
});
