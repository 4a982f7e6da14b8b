/**
 * Every setting of the service, read from the environment once at start and validated as a whole:
 * a bad value stops the process with one message listing every bad variable and what it expects.
 */
export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

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
  /** Signs paging tokens ($skiptoken); random per process when unset. */
  readonly pagingTokenSecret: string;
}

/** Thrown by loadConfig; its message lists every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}
