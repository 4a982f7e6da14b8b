/**
 * What a database error means for the caller: the classification the retry policy (src/database) and
 * the error translation (error-response.ts) share, so "retried" and "answered 503" never disagree.
 */

/** The server cannot be reached right now (the driver already waited its server-selection timeout). */
const UNAVAILABLE_NAMES = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
]);

/** The connection failed while a command was on it: the command may or may not have run. */
const NETWORK_NAMES = new Set(['MongoNetworkError', 'MongoNetworkTimeoutError']);

/** Raised while checking a connection out of the pool: the command was never sent. */
const NOT_SENT_NAMES = new Set([
  'MongoPoolClearedError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
]);

/**
 * Server codes of a transient state (the driver's retryable set: a primary change, shutdown, network
 * trouble between members), and Cosmos DB's request-rate-too-large (16500, sometimes reported as 429).
 */
const TRANSIENT_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 134]);
const THROTTLED_CODES = new Set([16500, 429]);
const TRANSIENT_LABELS = ['RetryableWriteError', 'TransientTransactionError', 'SystemOverloadedError'];

/**
 * FerretDB answers a command its shutdown cut short with InternalError (code 1) and the Go error text,
 * where MongoDB would say InterruptedAtShutdown. The command may or may not have been applied.
 */
const INTERNAL_ERROR = 1;
const INTERRUPTED_TEXTS = [
  'context canceled',
  'transaction has already been committed or rolled back',
  'sql: database is closed',
  'sql: connection is already closed',
  'driver: bad connection',
];

/**
 * A socket the server closed while the driver wrote a command on it: mongodb 6.20 passes Node's own error
 * up unwrapped ("This socket has been ended by the other party"), seen when mongo-java-server stops.
 */
const SOCKET_CODES = new Set(['EPIPE', 'ECONNRESET']);

export type DatabaseFaultKind = 'unavailable' | 'network' | 'not-sent' | 'transient' | 'throttled';

export interface DatabaseFault {
  kind: DatabaseFaultKind;
  /** The wait the server asked for (Cosmos DB's RetryAfterMs), when it said. */
  retryAfterMs?: number;
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  errorLabels?: unknown;
  errorLabelSet?: unknown;
  errorResponse?: { RetryAfterMs?: unknown };
  writeErrors?: Array<{ code?: unknown; errmsg?: unknown }>;
}

function labelsOf(error: ErrorLike): string[] {
  if (error.errorLabelSet instanceof Set) return [...(error.errorLabelSet as Set<string>)];
  return Array.isArray(error.errorLabels) ? (error.errorLabels as string[]) : [];
}

function retryAfterMsOf(error: ErrorLike): number | undefined {
  const fromResponse = Number(error.errorResponse?.RetryAfterMs);
  if (Number.isFinite(fromResponse) && fromResponse >= 0) return fromResponse;
  const text = [error.message, ...(error.writeErrors ?? []).map((w) => w.errmsg)].join(' ');
  const match = /RetryAfterMs=(\d+)/i.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The fault a database error represents, or undefined when it is not a passing condition. */
export function databaseFaultOf(exception: unknown): DatabaseFault | undefined {
  if (!exception || typeof exception !== 'object') return undefined;
  const error = exception as ErrorLike;
  const name = typeof error.name === 'string' ? error.name : '';
  if (UNAVAILABLE_NAMES.has(name)) return { kind: 'unavailable' };
  if (NOT_SENT_NAMES.has(name)) return { kind: 'not-sent' };
  if (NETWORK_NAMES.has(name)) return { kind: 'network' };
  if (SOCKET_CODES.has(error.code as string)) return { kind: 'network' };
  const codes = [error.code, ...(error.writeErrors ?? []).map((w) => w.code)];
  if (codes.some((code) => THROTTLED_CODES.has(code as number))) {
    return { kind: 'throttled', retryAfterMs: retryAfterMsOf(error) };
  }
  if (!name.startsWith('Mongo')) return undefined;
  if (TRANSIENT_CODES.has(error.code as number)) return { kind: 'transient' };
  if (error.code === INTERNAL_ERROR && typeof error.message === 'string') {
    const message = error.message;
    if (INTERRUPTED_TEXTS.some((text) => message.includes(text))) return { kind: 'network' };
    // SQLite refused the statement before applying it: the embedded database is busy, like a throttle.
    if (message.includes('SQLITE_BUSY')) return { kind: 'throttled' };
  }
  if (labelsOf(error).some((label) => TRANSIENT_LABELS.includes(label))) return { kind: 'transient' };
  return undefined;
}

/** Seconds a caller should wait before retrying after this fault (Retry-After). */
export function retryAfterSecondsOf(fault: DatabaseFault, fallbackSeconds: number): number {
  if (fault.retryAfterMs === undefined) return fallbackSeconds;
  return Math.min(Math.max(1, Math.ceil(fault.retryAfterMs / 1000)), 60);
}
