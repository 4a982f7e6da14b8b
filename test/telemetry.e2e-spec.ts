import { Controller, Get, Module, Param } from '@nestjs/common';
import { getConnectionToken, InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import NodeModule from 'node:module';
import request from 'supertest';
import { Telemetry } from '../src/telemetry/telemetry.service';
import { startTestApp, TestApp } from './support/app';
import { testMongoUri } from './support/database';
import { Envelope, FakeIngestion } from './support/fake-ingestion';

jest.setTimeout(30_000);

/** Routes mounted only in this test: a query, a command the server refuses, and a crash. */
@Controller('probe')
class ProbeController {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  @Get('items/:key')
  async find(@Param('key') key: string): Promise<{ count: number }> {
    const items = await this.connection.getClient().db().collection('items').find({ key }).toArray();
    return { count: items.length };
  }

  @Get('bad-command')
  async badCommand(): Promise<{ failed: boolean }> {
    const refused = await this.connection
      .getClient()
      .db()
      .command({ noSuchCommand: 1 })
      .then(() => false)
      .catch(() => true);
    return { failed: refused };
  }

  @Get('crash')
  crash(): never {
    throw new Error('probe crash');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const operationIdOf = (envelope: Envelope): string | undefined => envelope.tags['ai.operation.id'];
/** Read as a property, not as a method: the test compares it before and after the SDK loads. */
const currentRequire = (): unknown => Object.getOwnPropertyDescriptor(NodeModule.prototype, 'require')?.value;
/** The SDK writes durations as .NET time spans: [d.]hh:mm:ss.fffffff */
const TIME_SPAN = /^(\d+\.)?\d{2}:\d{2}:\d{2}\.\d+$/;

describe('telemetry without a connection string', () => {
  let ingestion: FakeIngestion;
  let api: TestApp;
  const envBefore = process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;

  beforeAll(async () => {
    ingestion = await FakeIngestion.start();
    // Runs first, before anything in this file loaded the SDK: an SDK set up with defaults would read
    // this variable and send to the fake endpoint. The service's own setting stays unset.
    process.env.APPLICATIONINSIGHTS_CONNECTION_STRING = ingestion.connectionString;
    api = await startTestApp('telemetryoff', {}, [ProbeModule]);
  });
  afterAll(async () => {
    await api.close();
    await ingestion.close();
    if (envBefore === undefined) delete process.env.APPLICATIONINSIGHTS_CONNECTION_STRING;
    else process.env.APPLICATIONINSIGHTS_CONNECTION_STRING = envBefore;
  });

  it('creates no client and leaves command monitoring off', () => {
    expect(api.app.get(Telemetry).client).toBeUndefined();
    const connection = api.app.get<Connection>(getConnectionToken());
    expect(connection.getClient().options.monitorCommands).toBe(false);
  });

  it('serves requests, errors included, and sends nothing', async () => {
    expect((await request(api.url).get('/health/live')).status).toBe(200);
    expect((await request(api.url).get('/health/ready')).status).toBe(200);
    expect((await request(api.url).get('/probe/items/x')).status).toBe(200);
    expect((await request(api.url).get('/probe/crash')).status).toBe(500);
    await api.app.get(Telemetry).flush();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ingestion.hits).toEqual([]);
  });
});

describe('telemetry with a connection string', () => {
  let ingestion: FakeIngestion;
  let api: TestApp;
  let requireBefore: unknown;

  beforeAll(async () => {
    ingestion = await FakeIngestion.start();
    requireBefore = currentRequire();
    api = await startTestApp(
      'telemetry',
      { APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString },
      [ProbeModule],
    );
    // Batches leave every 50 ms instead of every 15 s, so items arrive while a test waits for them.
    api.app.get(Telemetry).client!.config.maxBatchIntervalMs = 50;
    // Start-up work (index creation) already queued dependencies under the 15 s timer: send them now.
    await api.app.get(Telemetry).flush();
  });
  afterAll(async () => {
    await api.close();
    await ingestion.close();
  });

  it('sends a request item with the request id as operation id, named by route', async () => {
    const res = await request(api.url)
      .get('/health/live?access_token=secret-token-value')
      .set('authorization', 'Bearer secret-bearer-value');
    expect(res.status).toBe(200);
    const requestId = res.headers['request-id'];

    const item = await ingestion.waitFor('RequestData', (e) => operationIdOf(e) === requestId);
    expect(item.iKey).toBe(ingestion.instrumentationKey);
    expect(item.tags['ai.cloud.role']).toBe('contact-pro-api');
    expect(item.tags['ai.operation.name']).toBe('GET /health/live');
    expect(item.data.baseData).toEqual(
      expect.objectContaining({
        id: requestId,
        name: 'GET /health/live',
        responseCode: '200',
        success: true,
        duration: expect.stringMatching(TIME_SPAN),
      }),
    );
    expect(item.data.baseData.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/health\/live$/);
    expect(JSON.stringify(item)).not.toMatch(/secret|authorization|access_token/i);
  });

  it('names a route with parameters by its pattern, not by its URL', async () => {
    const res = await request(api.url).get('/probe/items/k-42?$filter=x');
    expect(res.status).toBe(200);
    const item = await ingestion.waitFor(
      'RequestData',
      (e) => operationIdOf(e) === res.headers['request-id'],
    );
    expect(item.data.baseData.name).toBe('GET /probe/items/:key');
    expect(item.data.baseData.url).toMatch(/\/probe\/items\/k-42$/);
  });

  it('sends the ping of GET /health/ready as a MongoDB dependency of that request', async () => {
    const res = await request(api.url).get('/health/ready');
    expect(res.status).toBe(200);
    const requestId = res.headers['request-id'];

    const item = await ingestion.waitFor('RemoteDependencyData', (e) => operationIdOf(e) === requestId);
    expect(item.tags['ai.operation.parentId']).toBe(requestId);
    expect(item.tags['ai.operation.name']).toBe('GET /health/ready');
    expect(item.data.baseData).toEqual(
      expect.objectContaining({
        type: 'mongodb',
        name: 'ping',
        target: `${new URL(testMongoUri()).host}/${api.dbName}`,
        success: true,
        resultCode: '0',
        duration: expect.stringMatching(TIME_SPAN),
      }),
    );
  });

  it('ties each command to its own request when requests run at the same time', async () => {
    const responses = await Promise.all(
      ['a', 'b', 'c', 'd'].map((key) => request(api.url).get(`/probe/items/${key}`)),
    );
    for (const res of responses) {
      const item = await ingestion.waitFor(
        'RemoteDependencyData',
        (e) => operationIdOf(e) === res.headers['request-id'],
      );
      expect(item.data.baseData.name).toBe('find');
      expect(item.tags['ai.operation.name']).toBe('GET /probe/items/:key');
    }
  });

  it('sends a command the server refuses as a failed dependency', async () => {
    const res = await request(api.url).get('/probe/bad-command');
    expect(res.body).toEqual({ failed: true });
    const item = await ingestion.waitFor(
      'RemoteDependencyData',
      (e) => operationIdOf(e) === res.headers['request-id'],
    );
    expect(item.data.baseData).toEqual(
      expect.objectContaining({ type: 'mongodb', name: 'noSuchCommand', success: false }),
    );
    expect(item.data.baseData.resultCode).not.toBe('0');
  });

  it('sends an unexpected 500 as an exception item and a failed request of the same operation', async () => {
    const res = await request(api.url).get('/probe/crash');
    expect(res.status).toBe(500);
    const requestId = res.headers['request-id'];

    const exception = await ingestion.waitFor('ExceptionData', (e) => operationIdOf(e) === requestId);
    expect(exception.tags['ai.operation.parentId']).toBe(requestId);
    expect(exception.data.baseData.exceptions[0]).toEqual(
      expect.objectContaining({ typeName: 'Error', message: 'probe crash' }),
    );
    const item = await ingestion.waitFor('RequestData', (e) => operationIdOf(e) === requestId);
    expect(item.data.baseData).toEqual(
      expect.objectContaining({ name: 'GET /probe/crash', responseCode: '500', success: false }),
    );
  });

  it('sends no exception item for an error the API answers on purpose', async () => {
    const res = await request(api.url).get('/api/v1/no-such-route');
    expect(res.status).toBe(404);
    const requestId = res.headers['request-id'];
    const item = await ingestion.waitFor('RequestData', (e) => operationIdOf(e) === requestId);
    expect(item.data.baseData).toEqual(expect.objectContaining({ name: 'GET unmatched', success: false }));
    expect(ingestion.items('ExceptionData').filter((e) => operationIdOf(e) === requestId)).toEqual([]);
  });

  it('uses the SDK without patching require, without statsbeat, and only its track endpoint', () => {
    const client = api.app.get(Telemetry).client!;
    expect(currentRequire()).toBe(requireBefore);
    expect(client.getStatsbeat()).toBeUndefined();
    expect(ingestion.hits.length).toBeGreaterThan(0);
    for (const hit of ingestion.hits) expect(hit).toEqual({ method: 'POST', path: '/v2.1/track' });
  });

  it('flushes what is buffered when the app closes', async () => {
    const other = await startTestApp(
      'telemetryclose',
      { APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString },
      [ProbeModule],
    );
    // The default 15 s batch interval stays: only the flush on close can send this in time.
    const res = await request(other.url).get('/probe/crash');
    const requestId = res.headers['request-id'];
    expect(ingestion.items('ExceptionData').filter((e) => operationIdOf(e) === requestId)).toEqual([]);
    await other.close();
    expect(ingestion.items('ExceptionData').filter((e) => operationIdOf(e) === requestId)).toHaveLength(1);
  });
});
