import { MongoNetworkError, MongoServerError } from 'mongodb';
import { databaseFaultOf, retryAfterSecondsOf } from './database-errors';

/** The driver's errors are told apart by name; some have constructors that need a live pool or topology. */
function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

function serverError(code: number, errmsg: string): MongoServerError {
  return new MongoServerError({ code, errmsg });
}

describe('databaseFaultOf', () => {
  it('calls an unreachable server unavailable', () => {
    expect(databaseFaultOf(named('MongoServerSelectionError', 'connect ECONNREFUSED'))).toEqual({
      kind: 'unavailable',
    });
  });

  it('tells a command never sent from one cut off on the wire', () => {
    expect(databaseFaultOf(named('MongoPoolClearedError', 'pool cleared'))?.kind).toBe('not-sent');
    expect(databaseFaultOf(new MongoNetworkError('connection closed'))?.kind).toBe('network');
  });

  it("takes a socket the server closed under the driver's write for a network fault", () => {
    const ended = Object.assign(new Error('This socket has been ended by the other party'), {
      code: 'EPIPE',
    });
    expect(databaseFaultOf(ended)?.kind).toBe('network');
    expect(databaseFaultOf(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))?.kind).toBe(
      'network',
    );
    expect(databaseFaultOf(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).toBeUndefined();
  });

  it('reads a primary change and a shutdown from their codes', () => {
    expect(databaseFaultOf(serverError(10107, 'not primary'))?.kind).toBe('transient');
    expect(databaseFaultOf(serverError(11600, 'interrupted at shutdown'))?.kind).toBe('transient');
  });

  it('takes the wait a throttled request asked for', () => {
    const fault = databaseFaultOf(serverError(16500, 'Request rate is large. RetryAfterMs=1500'));
    expect(fault).toEqual({ kind: 'throttled', retryAfterMs: 1500 });
    expect(retryAfterSecondsOf(fault!, 5)).toBe(2);
  });

  it.each([
    '[msg_insert.go:168 handler.(*Handler).MsgInsert] [db.go:134 fsql.(*DB).InTransaction] context canceled',
    '[query_iterator.go:79 sqlite.(*queryIterator).Next] context canceled after delay',
    '[db.go:167 fsql.(*DB).InTransaction] sql: transaction has already been committed or rolled back',
    '[collection.go:87 sqlite.(*collection).Query] sql: database is closed',
    '[db.go:134 fsql.(*DB).InTransaction] driver: bad connection',
  ])('treats a command cut short by the embedded database stopping as interrupted: %s', (errmsg) => {
    expect(databaseFaultOf(serverError(1, errmsg))).toEqual({ kind: 'network' });
  });

  it('treats a write the embedded database found locked as throttled: nothing was applied', () => {
    const errmsg =
      '[collection.go:177 sqlite.(*collection).UpdateAll.func1] database is locked (5) (SQLITE_BUSY)';
    expect(databaseFaultOf(serverError(1, errmsg))).toEqual({ kind: 'throttled', retryAfterMs: undefined });
  });

  it('leaves other internal errors, and the same text under another code, as failures', () => {
    expect(databaseFaultOf(serverError(1, 'unexpected type'))).toBeUndefined();
    expect(databaseFaultOf(serverError(2, 'context canceled'))).toBeUndefined();
    expect(databaseFaultOf(new Error('context canceled'))).toBeUndefined();
    expect(databaseFaultOf(serverError(11000, 'E11000 duplicate key'))).toBeUndefined();
  });

  it('ignores what is not an error object', () => {
    expect(databaseFaultOf(undefined)).toBeUndefined();
    expect(databaseFaultOf('context canceled')).toBeUndefined();
  });
});
