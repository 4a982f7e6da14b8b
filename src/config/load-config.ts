import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  AppConfig,
  AuthConfig,
  AuthMode,
  ConfigError,
  HardeningConfig,
  LogLevel,
  NodeEnv,
} from './app-config';
import { GUID } from '../common/validation/guid';
import {
  DEFAULT_DIR as LOCAL_IDP_DEFAULT_DIR,
  DEFAULT_PORT as LOCAL_IDP_DEFAULT_PORT,
  LOCAL_CLIENT_ID,
} from '../auth/local-identity-provider';

type Env = Record<string, string | undefined>;

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const NODE_ENVS: NodeEnv[] = ['development', 'production', 'test'];
/** Values that may carry credentials are never echoed in the error message. */
const SECRET_NAMES = new Set([
  'MONGODB_URI',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'PAGING_TOKEN_SECRET',
  'AZURE_AD_CLIENT_SECRET',
  'REDIS_URL',
  'AZURE_STORAGE_CONNECTION_STRING',
]);

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
  const { mongodbUri, mongodbDbName, aiConnectionString, pagingTokenSecret } = readConnectionSettings(read);
  const nodeEnv = read.oneOf('NODE_ENV', NODE_ENVS, 'development');
  const config: AppConfig = {
    nodeEnv,
    host: read.string('HOST', '127.0.0.1'),
    port: read.integer('PORT', 3000, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    bodyLimitBytes: read.integer('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    mongodbUri: mongodbUri ?? '',
    mongodbDbName,
    mongodbTimeoutMs: read.integer('MONGODB_TIMEOUT_MS', 2000, 100, 60_000),
    applicationInsightsConnectionString: aiConnectionString,
    pagingTokenSecret: pagingTokenSecret ?? randomBytes(32).toString('hex'),
    deltaRetentionSeconds: read.integer('DELTA_RETENTION_SECONDS', 30 * 86_400, 1, 3650 * 86_400),
    auth: readAuthConfig(read, nodeEnv),
    userProfileCache: {
      maxEntries: read.integer('USER_PROFILE_CACHE_SIZE', 10_000, 0, 1_000_000),
      ttlSeconds: read.integer('USER_PROFILE_CACHE_TTL_SECONDS', 300, 1, 86_400),
    },
    hardening: readHardeningConfig(read, nodeEnv),
    transfer: readTransferConfig(read),
    jobs: readJobsConfig(read),
    redisUrl: readRedisUrl(read),
    photos: readPhotosConfig(read),
  };

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

/** The database, telemetry and paging-token settings: connection strings and secrets, never echoed. */
function readConnectionSettings(read: EnvReader) {
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
  return { mongodbUri, mongodbDbName, aiConnectionString, pagingTokenSecret };
}

/** The Redis that several instances share (rate limits, cache invalidation); unset: one instance. */
function readRedisUrl(read: EnvReader): string | undefined {
  const url = read.optional('REDIS_URL');
  let valid = url === undefined;
  try {
    if (url !== undefined) {
      const parsed = new URL(url);
      valid = (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') && parsed.hostname !== '';
    }
  } catch {
    valid = false;
  }
  read.check(
    'REDIS_URL',
    valid,
    'a redis:// or rediss:// URL such as rediss://:key@name.redis.cache.windows.net:6380',
  );
  return url;
}

/** Contact imports: how big a file (packed and unpacked) and how many rows. */
function readTransferConfig(read: EnvReader): AppConfig['transfer'] {
  return {
    maxFileBytes: read.integer('IMPORT_MAX_FILE_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxRows: read.integer('IMPORT_MAX_ROWS', 100_000, 1, 10_000_000),
    maxUncompressedBytes: read.integer(
      'IMPORT_MAX_UNCOMPRESSED_BYTES',
      256 * 1024 * 1024,
      1024,
      4 * 1024 * 1024 * 1024,
    ),
  };
}

/** Background jobs: the lease, how often idle instances look for work, and how many claims a job gets. */
function readJobsConfig(read: EnvReader): AppConfig['jobs'] {
  return {
    leaseMs: read.integer('JOB_LEASE_MS', 30_000, 200, 3_600_000),
    pollIntervalMs: read.integer('JOB_POLL_INTERVAL_MS', 1000, 20, 600_000),
    maxAttempts: read.integer('JOB_MAX_ATTEMPTS', 3, 1, 100),
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An https URL without credentials, query or fragment; plain http only on loopback outside production (tests). */
function isServiceUrl(value: string, production: boolean): boolean {
  try {
    const url = new URL(value);
    if (url.username || url.password || url.search || url.hash) return false;
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && !production && LOOPBACK_HOSTS.has(url.hostname);
  } catch {
    return false;
  }
}

/**
 * Identity settings. Without AZURE_AD_CLIENT_ID outside production the service signs people in with the
 * local identity provider (its defaults, port 3999 and .data/local-idp, are those the token script reads too);
 * in production only Azure AD is accepted.
 */
function readAuthConfig(read: EnvReader, nodeEnv: NodeEnv): AuthConfig {
  const production = nodeEnv === 'production';
  const { mode, clientId } = readAuthMode(read, production);
  const { tenantId, allowedTenants } = readTenants(read, mode === 'local');
  const requiredScope = read.string('AZURE_AD_REQUIRED_SCOPE', 'access_as_user');
  read.check(
    'AZURE_AD_REQUIRED_SCOPE',
    /^[A-Za-z0-9._-]{1,128}$/.test(requiredScope),
    'a scope name such as access_as_user',
  );
  const authority = readServiceUrl(
    read,
    'AZURE_AD_AUTHORITY',
    'https://login.microsoftonline.com',
    production,
  );
  const graphBaseUrl = readServiceUrl(read, 'GRAPH_BASE_URL', 'https://graph.microsoft.com/v1.0', production);
  return {
    mode,
    clientId: clientId?.toLowerCase() ?? LOCAL_CLIENT_ID,
    tenantId: tenantId ?? 'common',
    allowedTenants,
    requiredScope,
    authority,
    clientSecret: read.optional('AZURE_AD_CLIENT_SECRET'),
    graphBaseUrl,
    graphTimeoutMs: read.integer('GRAPH_TIMEOUT_MS', 3000, 100, 60_000),
    localIdp: readLocalIdpConfig(read, nodeEnv === 'test'),
  };
}

/** Azure AD or the local identity provider, and the API registration's client id (the local one has none). */
function readAuthMode(
  read: EnvReader,
  production: boolean,
): { mode: AuthMode; clientId: string | undefined } {
  const clientId = read.optional('AZURE_AD_CLIENT_ID');
  const mode = read.oneOf<AuthMode>(
    'AUTH_MODE',
    ['azure-ad', 'local'],
    !production && clientId === undefined ? 'local' : 'azure-ad',
  );
  read.check(
    'AUTH_MODE',
    !(production && mode === 'local'),
    'azure-ad: the local identity provider is refused when NODE_ENV=production',
  );
  read.check(
    'AZURE_AD_CLIENT_ID',
    clientId === undefined ? mode === 'local' : GUID.test(clientId),
    'the application (client) id of the API registration, a GUID',
  );
  return { mode, clientId };
}

/** The tenant the tokens come from (or common) and the tenants admitted; the local provider needs neither. */
function readTenants(read: EnvReader, local: boolean) {
  const tenantId = read.optional('AZURE_AD_TENANT_ID')?.toLowerCase();
  read.check(
    'AZURE_AD_TENANT_ID',
    tenantId === undefined ? local : tenantId === 'common' || GUID.test(tenantId),
    'a tenant id (GUID), or common for a multi-tenant app',
  );
  const allowedTenants = read
    .optional('AZURE_AD_ALLOWED_TENANTS')
    ?.split(',')
    .map((tenant) => tenant.trim().toLowerCase())
    .filter((tenant) => tenant !== '');
  read.check(
    'AZURE_AD_ALLOWED_TENANTS',
    allowedTenants === undefined || (allowedTenants.length > 0 && allowedTenants.every((t) => GUID.test(t))),
    'a comma-separated list of tenant ids (GUIDs)',
  );
  return { tenantId, allowedTenants };
}

/** A service's base URL without its trailing slashes; the default is the example the message gives. */
function readServiceUrl(read: EnvReader, name: string, fallback: string, production: boolean): string {
  const url = read.string(name, fallback).replace(/\/+$/, '');
  read.check(name, isServiceUrl(url, production), `an https URL such as ${fallback}`);
  return url;
}

function readLocalIdpConfig(read: EnvReader, test: boolean): AuthConfig['localIdp'] {
  return {
    // Tests start many services side by side: each takes a free port and shares one key folder.
    port: read.integer('LOCAL_IDP_PORT', test ? 0 : LOCAL_IDP_DEFAULT_PORT, 0, 65535),
    dir: resolve(
      read.string('LOCAL_IDP_DIR', test ? join(tmpdir(), 'contact-pro-local-idp') : LOCAL_IDP_DEFAULT_DIR),
    ),
  };
}

/** Where the Teams client and the Office hosts (Outlook, microsoft365.com) run the tab. */
export const DEFAULT_CORS_ORIGINS = [
  'https://teams.microsoft.com',
  'https://*.teams.microsoft.com',
  'https://teams.live.com',
  'https://*.cloud.microsoft',
  'https://*.office.com',
  'https://*.office365.com',
  'https://*.microsoft365.com',
  'https://outlook.live.com',
];
const ORIGIN = /^https:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;
const LOOPBACK_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;
const PROXY_ADDRESS = /^[0-9a-f.:]+(\/\d{1,3})?$/i;

/** Rate limits, HTTP protections, database retries and shutdown. */
function readHardeningConfig(read: EnvReader, nodeEnv: NodeEnv): HardeningConfig {
  const production = nodeEnv === 'production';
  const corsOrigins = (read.optional('CORS_ALLOWED_ORIGINS')?.split(',') ?? DEFAULT_CORS_ORIGINS)
    .map((origin) => origin.trim().toLowerCase().replace(/\/+$/, ''))
    .filter((origin) => origin !== '' && origin !== 'none');
  read.check(
    'CORS_ALLOWED_ORIGINS',
    corsOrigins.every((origin) => ORIGIN.test(origin) || (!production && LOOPBACK_ORIGIN.test(origin))),
    'comma-separated origins such as https://teams.microsoft.com or https://*.office.com (http only for loopback outside production), or none',
  );
  const trustProxyText = read.string('TRUST_PROXY', 'false').toLowerCase();
  let trustProxy: HardeningConfig['trustProxy'] = false;
  if (trustProxyText === 'true') trustProxy = true;
  else if (/^\d{1,2}$/.test(trustProxyText)) trustProxy = Number(trustProxyText);
  else if (trustProxyText !== 'false') trustProxy = trustProxyText.split(',').map((entry) => entry.trim());
  read.check(
    'TRUST_PROXY',
    !Array.isArray(trustProxy) || trustProxy.every((entry) => PROXY_ADDRESS.test(entry)),
    'false, true, a number of proxy hops, or comma-separated proxy addresses/CIDRs',
  );
  const baseDelayMs = read.integer('MONGODB_RETRY_BASE_DELAY_MS', 100, 1, 10_000);
  const maxDelayMs = read.integer('MONGODB_RETRY_MAX_DELAY_MS', 2000, 1, 60_000);
  read.check('MONGODB_RETRY_MAX_DELAY_MS', maxDelayMs >= baseDelayMs, 'at least MONGODB_RETRY_BASE_DELAY_MS');
  return {
    rateLimit: {
      windowSeconds: read.integer('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
      perUser: read.integer('RATE_LIMIT_PER_USER', 1200, 1, 10_000_000),
      perTenant: read.integer('RATE_LIMIT_PER_TENANT', 12_000, 1, 100_000_000),
    },
    corsOrigins,
    trustProxy,
    uploadBodyLimitBytes: read.integer('UPLOAD_BODY_LIMIT_BYTES', 25 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    requestTimeoutMs: read.integer('REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    json: {
      maxDepth: read.integer('JSON_MAX_DEPTH', 32, 2, 1000),
      maxKeys: read.integer('JSON_MAX_KEYS', 10_000, 10, 1_000_000),
    },
    databaseRetry: {
      retries: read.integer('MONGODB_RETRIES', 2, 0, 10),
      baseDelayMs,
      maxDelayMs,
    },
    shutdownGraceMs: read.integer('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
  };
}

/** A connection string's `Key=value;` pairs: an account and its key or SAS, or an explicit endpoint. */
const STORAGE_CONNECTION_STRING =
  /^(UseDevelopmentStorage=true|([A-Za-z]+=[^;]+;?)*(AccountName|BlobEndpoint)=[^;]+;?([A-Za-z]+=[^;]+;?)*)$/;
/** Azure's container names: 3–63 lower-case letters, digits and single hyphens, starting with a letter or digit. */
const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/** Contact photos in Azure Blob Storage (src/blob-storage, src/contacts/photo): off without a connection string. */
function readPhotosConfig(read: EnvReader): AppConfig['photos'] {
  const connectionString = read.optional('AZURE_STORAGE_CONNECTION_STRING');
  read.check(
    'AZURE_STORAGE_CONNECTION_STRING',
    connectionString === undefined || STORAGE_CONNECTION_STRING.test(connectionString),
    'an Azure Storage connection string (AccountName=…;AccountKey=… or BlobEndpoint=…; `npm start` runs Azurite when unset)',
  );
  const container = read.string('AZURE_STORAGE_CONTAINER', 'contact-photos');
  read.check(
    'AZURE_STORAGE_CONTAINER',
    CONTAINER_NAME.test(container),
    'an Azure container name (3–63 of a-z, 0-9, single -)',
  );
  return {
    connectionString,
    container,
    timeoutMs: read.integer('AZURE_STORAGE_TIMEOUT_MS', 5000, 100, 120_000),
    sweepIntervalSeconds: read.integer('PHOTO_SWEEP_INTERVAL_SECONDS', 3600, 0, 7 * 86_400),
    sweepGraceSeconds: read.integer('PHOTO_SWEEP_GRACE_SECONDS', 3600, 0, 7 * 86_400),
  };
}
