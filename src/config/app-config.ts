/**
 * Every setting of the service, read from the environment once at start and validated as a whole:
 * a bad value stops the process with one message listing every bad variable and what it expects.
 */
export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `azure-ad`: Azure AD v2 tokens; `local`: the loopback identity provider of src/auth/local-identity-provider.ts (never in production). */
export type AuthMode = 'azure-ad' | 'local';

/** Token validation, tenancy and the Microsoft Graph profile enrichment (src/auth, src/users). */
export interface AuthConfig {
  mode: AuthMode;
  /** The API's application (client) id: tokens must have it, or `api://` it, as audience. */
  clientId: string;
  /** One tenant's id, or `common` for a multi-tenant app. */
  tenantId: string;
  /** When set, only these tenants (lower-case GUIDs) are let in. */
  allowedTenants?: readonly string[];
  /** Delegated scope every token needs (`scp`), else 403. */
  requiredScope: string;
  /** Azure AD authority host (metadata and the on-behalf-of token endpoint), no trailing slash. */
  authority: string;
  /** Enables the Graph profile enrichment at login (on-behalf-of flow). */
  clientSecret?: string;
  /** Microsoft Graph base URL, no trailing slash. */
  graphBaseUrl: string;
  /** Budget of the token endpoint and Graph calls at login; past it the login goes on without them. */
  graphTimeoutMs: number;
  localIdp: { port: number; dir: string };
}

/**
 * Hardening settings (rate limits, HTTP protections, database retries, shutdown): read by
 * src/app.factory.ts, src/common, src/database and src/health.
 */
export interface HardeningConfig {
  /** Requests per window, per user and per tenant; over it a 429 with Retry-After. */
  rateLimit: { windowSeconds: number; perUser: number; perTenant: number };
  /** Origins browsers may call from: exact `https://host[:port]`, or `https://*.suffix` for its subdomains. */
  corsOrigins: readonly string[];
  /** Fastify's trustProxy: false, true, a number of hops, or the proxies' addresses/CIDRs. */
  trustProxy: boolean | number | string[];
  /** Body limit of routes marked as uploads (JSON routes keep BODY_LIMIT_BYTES). */
  uploadBodyLimitBytes: number;
  /** A request not answered within this gets 503 with the error body. */
  requestTimeoutMs: number;
  /** JSON bodies nested deeper, or with more keys in all, are refused with 400 before parsing. */
  json: { maxDepth: number; maxKeys: number };
  /** Transient database errors: retries after the first attempt and the back-off bounds. */
  databaseRetry: { retries: number; baseDelayMs: number; maxDelayMs: number };
  /** On SIGTERM, how long in-flight requests may take before the connections are cut. */
  shutdownGraceMs: number;
}

/** Contact import and export (src/contacts/contact-import*.ts, contact-export*.ts). */
export interface TransferConfig {
  /** Largest file an import accepts (413 above). */
  maxFileBytes: number;
  /** Most data rows (or vCards) one import may hold. */
  maxRows: number;
  /** Bound of an xlsx file's decompressed content (a zip bomb is refused before it is read). */
  maxUncompressedBytes: number;
}

/** Background jobs (src/jobs): the lease that makes one instance run a job, and how often instances look. */
export interface JobsConfig {
  leaseMs: number;
  pollIntervalMs: number;
  /** Claims of one job (each after a lease ran out) before it is marked failed. */
  maxAttempts: number;
}

/** Contact photos in Azure Blob Storage (src/blob-storage, src/contacts/photo). */
export interface PhotosConfig {
  /** Azure Storage (or Azurite) connection string; photos are off without one. */
  connectionString?: string;
  /** The deployment's one container; blob names start with the tenant id. */
  container: string;
  /** How long one storage call may take (each try) before the caller gets a 503. */
  timeoutMs: number;
  /** How often this instance removes blobs no contact points to (0: never). */
  sweepIntervalSeconds: number;
  /** Blobs younger than this are never swept (an upload in flight writes its blobs first). */
  sweepGraceSeconds: number;
}

export class AppConfig {
  readonly nodeEnv: NodeEnv;
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  readonly bodyLimitBytes: number;
  readonly mongodbUri: string;
  readonly mongodbDbName: string;
  /** How long a request waits for an unreachable database before it answers 503. */
  readonly mongodbTimeoutMs: number;
  readonly applicationInsightsConnectionString?: string;
  /** Signs paging and delta tokens; random per process when unset (links then die with the process). */
  readonly pagingTokenSecret: string;
  /** How long deletions are remembered for delta sync; an older delta link answers 410. */
  readonly deltaRetentionSeconds: number;
  readonly auth: AuthConfig;
  /** Signed-in profiles kept in memory: entries (0 turns the cache off) and seconds each entry lives. */
  readonly userProfileCache: { maxEntries: number; ttlSeconds: number };
  readonly hardening: HardeningConfig;
  readonly transfer: TransferConfig;
  readonly jobs: JobsConfig;
  /**
   * Redis shared by the instances (rate-limit counters, cache invalidation messages); unset, each instance
   * counts and caches on its own.
   */
  readonly redisUrl?: string;
  readonly photos: PhotosConfig;
}

/** Thrown by loadConfig; its message lists every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}
