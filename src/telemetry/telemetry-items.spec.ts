import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandFailedEvent, CommandSucceededEvent } from 'mongodb';
import { dependencyItem, exceptionItem, operationOf, requestItem } from './telemetry-items';

function fakeRequest(overrides: Partial<Record<string, unknown>> = {}): FastifyRequest {
  return {
    id: 'req-1',
    method: 'GET',
    url: '/api/v1/tabs/t1/contacts?$filter=mail%20eq%20%27a@b.co%27&access_token=secret',
    routeOptions: { url: '/api/v1/tabs/:tabId/contacts' },
    protocol: 'https',
    host: 'api.contoso.com',
    ...overrides,
  } as unknown as FastifyRequest;
}

const reply = (statusCode: number, elapsedTime = 12.5): FastifyReply =>
  ({ statusCode, elapsedTime }) as unknown as FastifyReply;

const operation = { requestId: 'req-1', name: 'GET /api/v1/tabs/:tabId/contacts' };

const succeeded = {
  address: '127.0.0.1:27017',
  databaseName: 'contactpro',
  commandName: 'find',
  duration: 3.25,
  requestId: 7,
  reply: { cursor: { firstBatch: [{ mail: 'a@b.co' }] } },
} as unknown as CommandSucceededEvent;

describe('requestItem', () => {
  it('names the request by method and route pattern and keeps the request id as id and operation id', () => {
    const item = requestItem(fakeRequest(), reply(200));
    expect(item).toMatchObject({
      id: 'req-1',
      name: 'GET /api/v1/tabs/:tabId/contacts',
      resultCode: 200,
      success: true,
      duration: 12.5,
      tagOverrides: { 'ai.operation.id': 'req-1', 'ai.operation.name': 'GET /api/v1/tabs/:tabId/contacts' },
    });
  });

  it('drops the query string from the URL', () => {
    const item = requestItem(fakeRequest(), reply(200));
    expect(item.url).toBe('https://api.contoso.com/api/v1/tabs/t1/contacts');
    expect(JSON.stringify(item)).not.toMatch(/secret|filter|a@b\.co/);
  });

  it('names a request that matched no route "unmatched"', () => {
    const request = fakeRequest({ routeOptions: {}, url: '/nope/123' });
    expect(requestItem(request, reply(404)).name).toBe('GET unmatched');
  });

  it.each([
    [200, true],
    [304, true],
    [404, false],
    [500, false],
  ])('marks status %i as success=%s', (status, success) => {
    expect(requestItem(fakeRequest(), reply(status)).success).toBe(success);
  });

  it('dates the item at the start of the request', () => {
    const before = Date.now();
    const item = requestItem(fakeRequest(), reply(200, 1000));
    expect(item.time!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(item.time!.getTime()).toBeLessThanOrEqual(Date.now() - 1000);
  });
});

describe('dependencyItem', () => {
  it('turns a succeeded command into a mongodb dependency nested under the request', () => {
    expect(dependencyItem(succeeded, operation)).toMatchObject({
      dependencyTypeName: 'mongodb',
      target: '127.0.0.1:27017/contactpro',
      name: 'find',
      data: 'find',
      duration: 3.25,
      resultCode: 0,
      success: true,
      tagOverrides: {
        'ai.operation.id': 'req-1',
        'ai.operation.name': 'GET /api/v1/tabs/:tabId/contacts',
        'ai.operation.parentId': 'req-1',
      },
    });
  });

  it('never carries the reply or the command document', () => {
    expect(JSON.stringify(dependencyItem(succeeded, operation))).not.toContain('a@b.co');
  });

  it('uses the server error code of a refused command', () => {
    const failed = {
      ...succeeded,
      commandName: 'insert',
      failure: Object.assign(new Error('duplicate key'), { code: 11000 }),
    } as unknown as CommandFailedEvent;
    expect(dependencyItem(failed, operation)).toMatchObject({ success: false, resultCode: 11000 });
  });

  it('uses the error name when the server never answered', () => {
    const error = new Error('connection timed out');
    error.name = 'MongoNetworkTimeoutError';
    const failed = { ...succeeded, failure: error } as unknown as CommandFailedEvent;
    expect(dependencyItem(failed, operation)).toMatchObject({
      success: false,
      resultCode: 'MongoNetworkTimeoutError',
    });
  });

  it('has no operation tags for a command outside any request', () => {
    expect(dependencyItem(succeeded, undefined).tagOverrides).toBeUndefined();
  });
});

describe('exceptionItem and operationOf', () => {
  it('nests the exception under the request', () => {
    const error = new Error('boom');
    expect(exceptionItem(error, operationOf(fakeRequest()))).toEqual({
      exception: error,
      tagOverrides: {
        'ai.operation.id': 'req-1',
        'ai.operation.name': 'GET /api/v1/tabs/:tabId/contacts',
        'ai.operation.parentId': 'req-1',
      },
    });
  });

  it('wraps a thrown value that is not an Error', () => {
    const item = exceptionItem('plain string', operation);
    expect(item.exception).toBeInstanceOf(Error);
    expect(item.exception.message).toBe('plain string');
  });
});
