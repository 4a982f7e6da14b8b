import { Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import Fastify, { FastifyInstance } from 'fastify';
import type { Connection } from 'mongoose';
import { EventEmitter } from 'node:events';
import type { AppConfig } from '../config/app-config';
import { FLUSH_TIMEOUT_MS, Telemetry } from './telemetry.service';

/** Stands in for the SDK: records that it was loaded and what each client was asked to send. */
const mockSdkLoaded = jest.fn();
const mockClients: FakeClient[] = [];

interface FakeClient {
  connectionString: string;
  context: { keys: { cloudRole: string }; tags: Record<string, string> };
  trackRequest: jest.Mock;
  trackDependency: jest.Mock;
  trackException: jest.Mock;
  flush: jest.Mock;
}

jest.mock('applicationinsights', () => {
  mockSdkLoaded();
  class TelemetryClient {
    context = { keys: { cloudRole: 'ai.cloud.role' }, tags: {} as Record<string, string> };
    trackRequest = jest.fn();
    trackDependency = jest.fn();
    trackException = jest.fn();
    flush = jest.fn((options?: { callback?: (response: string) => void }) => options?.callback?.('{}'));
    constructor(readonly connectionString: string) {
      mockClients.push(this);
    }
  }
  return { TelemetryClient, Configuration: { setInternalLogging: jest.fn() } };
});

const CONNECTION_STRING =
  'InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=http://127.0.0.1:1/';

beforeAll(() => Logger.overrideLogger(false));

const SWITCHES = ['APPLICATION_INSIGHTS_NO_DIAGNOSTIC_CHANNEL', 'APPLICATION_INSIGHTS_NO_STATSBEAT'];
const switchesBefore = SWITCHES.map((name) => process.env[name]);
afterAll(() =>
  SWITCHES.forEach((name, i) => {
    if (switchesBefore[i] === undefined) delete process.env[name];
    else process.env[name] = switchesBefore[i];
  }),
);

const commandEvent = { address: '127.0.0.1:27017', databaseName: 'db', commandName: 'find', duration: 1 };

function setup(connectionString?: string) {
  const fastify = Fastify({ logger: false, genReqId: (req) => String(req.headers['x-id'] ?? 'no-id') });
  const mongo = new EventEmitter();
  const telemetry = new Telemetry(
    { applicationInsightsConnectionString: connectionString } as AppConfig,
    { httpAdapter: { getInstance: () => fastify } } as unknown as HttpAdapterHost,
    { getClient: () => mongo } as unknown as Connection,
  );
  return { fastify, mongo, telemetry };
}

/** A route that issues a "driver command" after an await, as a handler querying the database does. */
function addRoutes(fastify: FastifyInstance, telemetry: Telemetry, mongo: EventEmitter): void {
  fastify.get('/items/:id', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    mongo.emit('commandSucceeded', commandEvent);
    return { ok: true };
  });
  fastify.get('/crash', async (request, reply) => {
    telemetry.trackException(new Error('boom'), request);
    return reply.status(500).send({});
  });
}

// This block runs first: the SDK module must not have been loaded by anything before it.
describe('Telemetry without a connection string', () => {
  it('loads no SDK, adds no hook and no listener, and its methods do nothing', async () => {
    const { fastify, mongo, telemetry } = setup(undefined);
    const addHook = jest.spyOn(fastify, 'addHook');
    await telemetry.onModuleInit();
    addRoutes(fastify, telemetry, mongo);

    expect(mockSdkLoaded).not.toHaveBeenCalled();
    expect(telemetry.client).toBeUndefined();
    expect(addHook).not.toHaveBeenCalled();
    expect(mongo.eventNames()).toEqual([]);
    expect((await fastify.inject('/crash')).statusCode).toBe(500);
    await telemetry.flush();
    await telemetry.onApplicationShutdown();
    expect(mockSdkLoaded).not.toHaveBeenCalled();
    await fastify.close();
  });
});

describe('Telemetry with a connection string', () => {
  let fastify: FastifyInstance;
  let mongo: EventEmitter;
  let telemetry: Telemetry;
  let client: FakeClient;

  beforeEach(async () => {
    ({ fastify, mongo, telemetry } = setup(CONNECTION_STRING));
    await telemetry.onModuleInit();
    addRoutes(fastify, telemetry, mongo);
    client = mockClients[mockClients.length - 1];
  });
  afterEach(() => fastify.close());

  it('makes its own SDK client with the cloud role, SDK patching and statsbeat switched off', () => {
    expect(mockSdkLoaded).toHaveBeenCalledTimes(1);
    expect(telemetry.client).toBe(client);
    expect(client.connectionString).toBe(CONNECTION_STRING);
    expect(client.context.tags['ai.cloud.role']).toBe('contact-pro-api');
    for (const name of SWITCHES) expect(process.env[name]).toBe('true');
  });

  it('tracks each request once it is answered, with its id as operation id', async () => {
    await fastify.inject({ url: '/items/42?secret=1', headers: { 'x-id': 'req-42' } });
    expect(client.trackRequest).toHaveBeenCalledTimes(1);
    expect(client.trackRequest.mock.calls[0][0]).toMatchObject({
      id: 'req-42',
      tagOverrides: { 'ai.operation.id': 'req-42' },
      name: 'GET /items/:id',
      url: 'http://localhost:80/items/42',
      resultCode: 200,
      success: true,
    });
  });

  it('ties a command issued by the handler to the request, and one outside any request to none', async () => {
    await Promise.all(
      ['a', 'b'].map((id) => fastify.inject({ url: `/items/${id}`, headers: { 'x-id': id } })),
    );
    const ids = client.trackDependency.mock.calls.map(([item]) => item.tagOverrides['ai.operation.id']);
    expect(ids.sort()).toEqual(['a', 'b']);
    const [item] = client.trackDependency.mock.calls[0];
    expect(item).toMatchObject({ name: 'find', success: true });
    expect(item.tagOverrides['ai.operation.name']).toBe('GET /items/:id');

    mongo.emit('commandFailed', { ...commandEvent, failure: new Error('x') });
    expect(client.trackDependency.mock.calls[2][0]).toMatchObject({
      success: false,
      tagOverrides: undefined,
    });
  });

  it('tracks an exception under the request that hit it', async () => {
    await fastify.inject({ url: '/crash', headers: { 'x-id': 'req-9' } });
    const [exception] = client.trackException.mock.calls[0];
    const [request] = client.trackRequest.mock.calls[0];
    expect(exception.exception.message).toBe('boom');
    expect(exception.tagOverrides['ai.operation.id']).toBe('req-9');
    expect(request).toMatchObject({ name: 'GET /crash', resultCode: 500, success: false });
  });

  it('flushes and stops listening to the driver on shutdown', async () => {
    await telemetry.onApplicationShutdown();
    expect(client.flush).toHaveBeenCalledTimes(1);
    expect(mongo.eventNames()).toEqual([]);
  });

  it('does not hold shutdown when the ingestion endpoint never answers', async () => {
    jest.useFakeTimers();
    try {
      client.flush.mockImplementation(() => undefined);
      const shutdown = telemetry.onApplicationShutdown();
      await jest.advanceTimersByTimeAsync(FLUSH_TIMEOUT_MS);
      await expect(shutdown).resolves.toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });
});
