import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import { InjectModel, MongooseModule, Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { MongoNetworkError, MongoServerError } from 'mongodb';
import type { Model } from 'mongoose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Public } from '../src/auth';
import { startTestApp, TestApp } from './support/app';
import { bearer, TENANT_1, TokenFactory, USER_A } from './support/tokens';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEmbeddedDb } = require('../tools/embedded-db');

/** Faults the probe model's hooks raise inside mongoose's execution, as the driver would. */
type Fault = 'network' | 'throttled' | 'primary-change';
const plan: { faults: Fault[]; attempts: number } = { faults: [], attempts: 0 };

function raise(): void {
  plan.attempts++;
  const fault = plan.faults.shift();
  if (fault === 'network') throw new MongoNetworkError('connection 3 to 127.0.0.1:1 closed');
  if (fault === 'throttled') {
    throw new MongoServerError({
      code: 16500,
      codeName: 'RequestRateTooLarge',
      errmsg:
        'Request rate is large. More Request Units may be needed, so no changes were made. RetryAfterMs=30',
    });
  }
  if (fault === 'primary-change') {
    throw new MongoServerError({ code: 10107, codeName: 'NotWritablePrimary', errmsg: 'not primary' });
  }
}

@Schema({ collection: 'probes' })
class Probe {
  @Prop()
  name: string;
}
const ProbeSchema = SchemaFactory.createForClass(Probe);
ProbeSchema.pre(['find', 'findOne', 'countDocuments', 'updateOne', 'updateMany', 'deleteMany'], raise);
ProbeSchema.pre('aggregate', raise);

@Public()
@Controller('probe')
class ProbeController {
  constructor(@InjectModel(Probe.name) private readonly model: Model<Probe>) {}

  @Get(':op')
  async read(@Param('op') op: string): Promise<{ result: unknown }> {
    if (op === 'find') return { result: (await this.model.find({}).lean().exec()).length };
    if (op === 'count') return { result: await this.model.countDocuments({}) };
    return { result: (await this.model.aggregate([{ $match: {} }]).exec()).length };
  }

  @Post(':op')
  async write(@Param('op') op: string): Promise<{ result: unknown }> {
    if (op === 'updateOne')
      return { result: (await this.model.updateOne({}, { $set: { name: 'x' } })).acknowledged };
    if (op === 'updateMany')
      return { result: (await this.model.updateMany({}, { $set: { name: 'x' } })).acknowledged };
    return { result: (await this.model.deleteMany({ name: 'none' })).acknowledged };
  }
}

@Module({
  imports: [MongooseModule.forFeature([{ name: Probe.name, schema: ProbeSchema }])],
  controllers: [ProbeController],
})
class ProbeModule {}

describe('database faults', () => {
  describe('retry policy', () => {
    let api: TestApp;

    beforeAll(async () => {
      api = await startTestApp(
        'dbretry',
        { MONGODB_RETRIES: '2', MONGODB_RETRY_BASE_DELAY_MS: '10', MONGODB_RETRY_MAX_DELAY_MS: '50' },
        [ProbeModule],
      );
    });
    afterAll(() => api.close());

    async function call(method: 'get' | 'post', path: string, faults: Fault[]) {
      plan.faults = [...faults];
      plan.attempts = 0;
      const res = await request(api.url)[method](path);
      return { res, attempts: plan.attempts };
    }

    it.each([
      ['find', ['network', 'primary-change']],
      ['count', ['throttled', 'network']],
      ['aggregate', ['throttled', 'throttled']],
    ] as Array<[string, Fault[]]>)('retries the read %s through transient faults %j', async (op, faults) => {
      const { res, attempts } = await call('get', `/probe/${op}`, faults);
      expect(res.status).toBe(200);
      expect(attempts).toBe(3);
    });

    it('answers 503 with the Retry-After the database asked for once retries are spent', async () => {
      const { res, attempts } = await call('get', '/probe/find', ['throttled', 'throttled', 'throttled']);
      expect(attempts).toBe(3);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('ServiceUnavailable');
      expect(res.headers['retry-after']).toBe('1');
    });

    it('retries a write only when the fault proves it was not applied', async () => {
      const throttled = await call('post', '/probe/updateOne', ['throttled']);
      expect(throttled.res.status).toBe(201);
      expect(throttled.attempts).toBe(2);

      // A network error may hide an applied write: no blind retry, the caller gets 503.
      const network = await call('post', '/probe/updateOne', ['network']);
      expect(network.attempts).toBe(1);
      expect(network.res.status).toBe(503);
      expect(network.res.headers['retry-after']).toBe('5');

      // Part of an updateMany may have been applied even when throttled.
      const many = await call('post', '/probe/updateMany', ['throttled']);
      expect(many.attempts).toBe(1);
      expect(many.res.status).toBe(503);

      // deleteMany is idempotent as a whole.
      const deleteMany = await call('post', '/probe/deleteMany', ['throttled']);
      expect(deleteMany.attempts).toBe(2);
      expect(deleteMany.res.status).toBe(201);
    });
  });

  describe('outage', () => {
    let dataDir: string;
    let db: { uri: string; port: number; stop(): Promise<void> };
    let api: TestApp;
    let token: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'contact-pro-dbfault-'));
      db = await startEmbeddedDb({ dataDir });
      api = await startTestApp('dboutage', { MONGODB_URI: db.uri });
      const tokens = await TokenFactory.for(api);
      token = tokens.mint({ tenantId: TENANT_1, userId: USER_A });
    }, 60_000);
    afterAll(async () => {
      await api?.close();
      await db?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const tabs = () =>
      request(api.url).get('/api/v1/tabs').set('authorization', bearer(token)).timeout(15_000);
    const create = () =>
      request(api.url)
        .post('/api/v1/tabs')
        .set('authorization', bearer(token))
        .send({ channelId: '19:outage@thread.tacv2', channelName: 'Outage', displayName: 'Outage' })
        .timeout(15_000);

    it('answers 503 with Retry-After while the database is down (no 500, no hang), and recovers', async () => {
      expect((await tabs()).status).toBe(200);
      await db.stop();
      for (const send of [tabs, create, tabs]) {
        const started = Date.now();
        const res = await send();
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('ServiceUnavailable');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      db = await startEmbeddedDb({ dataDir, listen: `127.0.0.1:${db.port}` });
      const deadline = Date.now() + 20_000;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await tabs()).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(status).toBe(200);
      expect((await create()).status).toBe(201);
    }, 60_000);
  });
});
