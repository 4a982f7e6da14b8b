import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import request from 'supertest';
import { tenantRepositoryToken } from '../src/common/persistence/tenant-repository.providers';
import { type TenantRepository, TenantScopeError } from '../src/common/persistence/tenant-scope';
import { User } from '../src/users/user.schema';
import { startTestApp, TestApp } from './support/app';
import { CommandCounter } from './support/command-counter';
import { testMongoUri } from './support/database';
import { bearer, TENANT_1, TENANT_2, TokenFactory, USER_A, USER_B } from './support/tokens';

/** The same object id in both tenants (local tokens may do it; the ids must still never meet). */
const SHARED_OID = '5a5a5a5a-0000-4000-8000-00000000005a';
const NEVER_EXISTED = '0f0f0f0f-0000-4000-8000-0000000000f0';

describe('tenant isolation', () => {
  let counter: CommandCounter;
  let api: TestApp;
  let tokenA: string;
  let tokenB: string;
  const tenant1Users = [USER_A, 'a1a1a1a1-0000-4000-8000-0000000000a1', SHARED_OID];
  const tenant2Users = [USER_B, 'b2b2b2b2-0000-4000-8000-0000000000b2', SHARED_OID];

  beforeAll(async () => {
    counter = await CommandCounter.start(testMongoUri());
    api = await startTestApp('tenancy', { MONGODB_URI: counter.uri });
    const tokens = await TokenFactory.for(api);
    for (const userId of tenant1Users) {
      const token = tokens.mint({ tenantId: TENANT_1, userId, name: `Tenant one ${userId.slice(0, 4)}` });
      await request(api.url).get('/api/v1/me').set('authorization', bearer(token)).expect(200);
      if (userId === USER_A) tokenA = token;
    }
    for (const userId of tenant2Users) {
      const token = tokens.mint({ tenantId: TENANT_2, userId, name: `Tenant two ${userId.slice(0, 4)}` });
      await request(api.url).get('/api/v1/me').set('authorization', bearer(token)).expect(200);
      if (userId === USER_B) tokenB = token;
    }
  });
  afterAll(async () => {
    await api.close();
    await counter.stop();
  });

  const callers = () => [
    {
      name: 'user A of tenant 1',
      token: tokenA,
      tenantId: TENANT_1,
      own: tenant1Users,
      others: tenant2Users,
    },
    {
      name: 'user B of tenant 2',
      token: tokenB,
      tenantId: TENANT_2,
      own: tenant2Users,
      others: tenant1Users,
    },
  ];

  it('lists only the caller’s tenant, whatever the query asks', async () => {
    for (const caller of callers()) {
      for (const query of [
        '',
        '?$count=true',
        '?$orderby=displayName desc',
        `?$filter=${encodeURIComponent("startswith(displayName,'tenant')")}`,
      ]) {
        const res = await request(api.url)
          .get(`/api/v1/users${query}`)
          .set('authorization', bearer(caller.token))
          .expect(200);
        expect(res.body.value.map((user: { id: string }) => user.id).sort()).toEqual([...caller.own].sort());
        for (const user of res.body.value) expect(user.tenantId).toBe(caller.tenantId);
        if (query === '?$count=true') expect(res.body['@odata.count']).toBe(caller.own.length);
      }
    }
  });

  it('fetches users of the caller’s tenant, and answers another tenant’s ids exactly like unknown ids', async () => {
    for (const caller of callers()) {
      for (const id of caller.own) {
        const res = await request(api.url)
          .get(`/api/v1/users/${id}`)
          .set('authorization', bearer(caller.token))
          .expect(200);
        expect(res.body.tenantId).toBe(caller.tenantId);
      }
      const unknown = await request(api.url)
        .get(`/api/v1/users/${NEVER_EXISTED}`)
        .set('authorization', bearer(caller.token));
      expect(unknown.status).toBe(404);
      for (const id of caller.others.filter((other) => !caller.own.includes(other))) {
        const res = await request(api.url)
          .get(`/api/v1/users/${id}`)
          .set('authorization', bearer(caller.token));
        expect(res.status).toBe(404);
        expect({ ...res.body.error, innererror: undefined }).toEqual({
          ...unknown.body.error,
          innererror: undefined,
        });
        expect(Object.keys(res.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
      }
    }
  });

  it('keeps an object id shared by two tenants apart', async () => {
    const one = await request(api.url)
      .get(`/api/v1/users/${SHARED_OID}`)
      .set('authorization', bearer(tokenA))
      .expect(200);
    const two = await request(api.url)
      .get(`/api/v1/users/${SHARED_OID}`)
      .set('authorization', bearer(tokenB))
      .expect(200);
    expect([one.body.tenantId, one.body.displayName]).toEqual([TENANT_1, 'Tenant one 5a5a']);
    expect([two.body.tenantId, two.body.displayName]).toEqual([TENANT_2, 'Tenant two 5a5a']);
  });

  it('shows each caller their own profile on /me', async () => {
    const a = await request(api.url).get('/api/v1/me').set('authorization', bearer(tokenA)).expect(200);
    const b = await request(api.url).get('/api/v1/me').set('authorization', bearer(tokenB)).expect(200);
    expect([a.body.id, a.body.tenantId]).toEqual([USER_A, TENANT_1]);
    expect([b.body.id, b.body.tenantId]).toEqual([USER_B, TENANT_2]);
  });

  it('refuses a query without a tenant before it reaches the database', async () => {
    const users = api.app.get<Model<User>>(getModelToken(User.name));
    const before = counter.commands.length;
    await expect(users.find({}).exec()).rejects.toBeInstanceOf(TenantScopeError);
    await expect(users.findById(`${TENANT_1}|${USER_A}`).exec()).rejects.toBeInstanceOf(TenantScopeError);
    await expect(users.countDocuments({ userId: USER_A }).exec()).rejects.toBeInstanceOf(TenantScopeError);
    await expect(users.updateMany({}, { $set: { displayName: 'x' } }).exec()).rejects.toBeInstanceOf(
      TenantScopeError,
    );
    await expect(users.deleteMany({}).exec()).rejects.toBeInstanceOf(TenantScopeError);
    await expect(users.aggregate([{ $match: {} }]).exec()).rejects.toBeInstanceOf(TenantScopeError);
    expect(counter.workSince(before, api.dbName)).toEqual([]);
  });

  it('scopes every operation of the repository to its tenant on the real database', async () => {
    const users = api.app.get<TenantRepository<User>>(tenantRepositoryToken(User.name));
    const tenant1 = users.forTenant(TENANT_1);
    expect(await tenant1.count()).toBe(tenant1Users.length);
    expect(await tenant1.findById(`${TENANT_2}|${USER_B}`)).toBeNull();
    expect(await tenant1.updateMany({ userId: USER_B }, { $set: { displayName: 'hijacked' } })).toEqual({
      matched: 0,
      modified: 0,
    });
    expect(await tenant1.deleteMany({ userId: USER_B })).toBe(0);
    expect(
      await tenant1.bulkUpdate([
        { filter: { userId: USER_B }, update: { $set: { displayName: 'hijacked' } } },
      ]),
    ).toBe(0);
    const streamed: string[] = [];
    for await (const user of tenant1.cursor<User>({}, { batchSize: 2 })) streamed.push(user.tenantId);
    expect(streamed).toEqual(tenant1Users.map(() => TENANT_1));
    const grouped = await tenant1.aggregate<{ _id: string; n: number }>([
      { $group: { _id: '$tenantId', n: { $sum: 1 } } },
    ]);
    expect(grouped).toEqual([{ _id: TENANT_1, n: tenant1Users.length }]);
    const b = await request(api.url)
      .get(`/api/v1/users/${USER_B}`)
      .set('authorization', bearer(tokenB))
      .expect(200);
    expect(b.body.displayName).toBe('Tenant two bbbb');
  });
});
