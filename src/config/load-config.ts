import { randomBytes } from 'node:crypto';
import { AppConfig, ConfigError, LogLevel, NodeEnv } from './app-config';

type Env = Record<string, string | undefined>;

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const NODE_ENVS: NodeEnv[] = ['development', 'production', 'test'];
/** Values that may carry credentials are never echoed in the error message. */
const SECRET_NAMES = new Set(['MONGODB_URI', 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'PAGING_TOKEN_SECRET']);

/** Collects problems instead of stopping at the first, so one start shows every bad variable. */
class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}="${value}": expected one of ${allowed.join(', ')}`);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(parsed) && parsed >= min && parsed <= max) return parsed;
    this.problems.push(`${name}="${value}": expected a whole number from ${min} to ${max}`);
    return fallback;
  }

  check(name: string, valid: boolean, expected: string): void {
    if (valid) return;
    const value = this.raw(name);
    if (value === undefined) this.problems.push(`${name} is not set: expected ${expected}`);
    else if (SECRET_NAMES.has(name)) this.problems.push(`${name} (value hidden): expected ${expected}`);
    else this.problems.push(`${name}="${value}": expected ${expected}`);
  }
}

export function loadConfig(env: Env = process.env): AppConfig {
  const read = new EnvReader(env);

  const mongodbUri = read.optional('MONGODB_URI');
  read.check(
    'MONGODB_URI',
    mongodbUri !== undefined && /^mongodb(\+srv)?:\/\/\S+$/.test(mongodbUri),
    'a mongodb:// or mongodb+srv:// connection string (`npm start` sets it to the embedded database when unset)',
  );
  const mongodbDbName = read.string('MONGODB_DB_NAME', 'contactpro');
  read.check(
    'MONGODB_DB_NAME',
    /^[A-Za-z0-9_-]{1,63}$/.test(mongodbDbName),
    'letters, digits, _ or -, at most 63',
  );
  const aiConnectionString = read.optional('APPLICATIONINSIGHTS_CONNECTION_STRING');
  read.check(
    'APPLICATIONINSIGHTS_CONNECTION_STRING',
    aiConnectionString === undefined || /(^|;)\s*InstrumentationKey\s*=\s*[^;]+/i.test(aiConnectionString),
    'an Application Insights connection string containing InstrumentationKey=…',
  );
  const pagingTokenSecret = read.optional('PAGING_TOKEN_SECRET');
  read.check(
    'PAGING_TOKEN_SECRET',
    pagingTokenSecret === undefined || pagingTokenSecret.length >= 32,
    'at least 32 characters',
  );

  const config: AppConfig = {
    nodeEnv: read.oneOf('NODE_ENV', NODE_ENVS, 'development'),
    host: read.string('HOST', '127.0.0.1'),
    port: read.integer('PORT', 3000, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    mongodbUri: mongodbUri ?? '',
    mongodbDbName,
    mongodbTimeoutMs: read.integer('MONGODB_TIMEOUT_MS', 2000, 100, 60_000),
    applicationInsightsConnectionString: aiConnectionString,
    pagingTokenSecret: pagingTokenSecret ?? randomBytes(32).toString('hex'),
  };

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}
