import { Aggregate, type Connection, Query } from 'mongoose';
import { databaseFaultOf, type DatabaseFault } from '../common/errors/database-errors';

/**
 * The retry policy of database operations, in this one place: every mongoose query and aggregate of a
 * connection the policy is applied to goes through it, whichever module wrote the query.
 *
 * - Reads (and aggregates without $out/$merge) are retried on any transient fault: a network error,
 *   a primary change, a throttled request (Cosmos DB 16500/429, after the wait it asked for).
 * - Writes are retried only when the fault proves the write was not applied: the request was throttled
 *   or never left the pool. A write cut off by a network error may have been applied, so it is not
 *   repeated here (the driver's own retryable writes, which carry a transaction number, do that safely
 *   on replica sets). `updateMany` is never repeated: Cosmos DB may have applied part of it.
 * - An unreachable server is not retried: the driver already waited its server-selection timeout.
 * Once the retries are spent the error goes up and src/common/errors/error-response.ts answers 503 + Retry-After.
 */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const READS = new Set(['find', 'findOne', 'countDocuments', 'estimatedDocumentCount', 'distinct']);
/** Writes that touch one document, or are idempotent as a whole (a repeated deleteMany deletes nothing more). */
const REPEATABLE_WHEN_NOT_APPLIED = new Set([
  'updateOne',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
]);
const READ_FAULTS = new Set<DatabaseFault['kind']>(['network', 'not-sent', 'transient', 'throttled']);
const NOT_APPLIED_FAULTS = new Set<DatabaseFault['kind']>(['not-sent', 'throttled']);

const policies = new WeakMap<object, RetryPolicy>();

/** The back-off before retry `attempt` (1-based): exponential with jitter, or the server's own wait. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, fault: DatabaseFault): number {
  if (fault.retryAfterMs !== undefined) return Math.min(fault.retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * Runs `operation` (a fresh attempt each call), retrying the faults `retryable` accepts with back-off.
 * Exported for callers that know an operation is idempotent as a whole.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
  retryable: (fault: DatabaseFault) => boolean = (fault) => READ_FAULTS.has(fault.kind),
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const fault = databaseFaultOf(error);
      if (!fault || attempt >= policy.retries || !retryable(fault)) throw error;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs(policy, attempt + 1, fault)));
    }
  }
}

function queryRetryable(op: string): ((fault: DatabaseFault) => boolean) | undefined {
  if (READS.has(op)) return (fault) => READ_FAULTS.has(fault.kind);
  if (REPEATABLE_WHEN_NOT_APPLIED.has(op)) return (fault) => NOT_APPLIED_FAULTS.has(fault.kind);
  return undefined;
}

const WRITING_STAGES = ['$out', '$merge'];

let installed = false;

/** Wraps Query and Aggregate execution once per process; connections without a policy are untouched. */
function install(): void {
  if (installed) return;
  installed = true;
  type AnyQuery = Query<unknown, unknown> & { op?: string };
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(query) below
  const queryExec = Query.prototype.exec as (this: AnyQuery, op?: string) => Promise<unknown>;
  Query.prototype.exec = function (this: AnyQuery, op?: string) {
    const policy = this.model ? policies.get(this.model.db) : undefined;
    const retryable = queryRetryable(typeof op === 'string' ? op : (this.op ?? ''));
    if (!policy || policy.retries === 0 || !retryable) return queryExec.call(this, op);
    // A query executes once: each retry runs a copy (conditions, update, options, lean), made
    // before the first attempt because casting changes the query in place.
    const pristine: AnyQuery = this.clone();
    return withRetry(
      policy,
      (attempt) => queryExec.call(attempt === 0 ? this : pristine.clone(), op),
      retryable,
    );
  } as typeof Query.prototype.exec;

  type AnyAggregate = Aggregate<unknown> & { _model?: { db: Connection } };
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(aggregate) below
  const aggregateExec = Aggregate.prototype.exec as (this: AnyAggregate) => Promise<unknown>;
  Aggregate.prototype.exec = function (this: AnyAggregate) {
    const policy = this._model ? policies.get(this._model.db) : undefined;
    const writes = this.pipeline().some((stage) => WRITING_STAGES.some((name) => name in (stage as object)));
    if (!policy || policy.retries === 0 || writes) return aggregateExec.call(this);
    // An aggregate may run again as it is (mongoose keeps no executed state on it).
    return withRetry(policy, () => aggregateExec.call(this));
  } as typeof Aggregate.prototype.exec;
}

/** Puts the connection's queries under `policy` (called by the database module when it connects). */
export function applyRetryPolicy(connection: Connection, policy: RetryPolicy): Connection {
  install();
  policies.set(connection, policy);
  return connection;
}
