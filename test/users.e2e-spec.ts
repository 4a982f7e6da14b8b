import request from 'supertest';
import type { MongoClient } from 'mongodb';
import { startTestApp, TestApp } from './support/app';
import { CommandCounter } from './support/command-counter';
import { connectTestClient, testMongoUri } from './support/database';
import { FakeGraph, GRAPH_ACCESS_TOKEN, GRAPH_PROFILE } from './support/fake-graph';
import { bearer, TENANT_1, TokenFactory, USER_A } from './support/tokens';

const USER_C = 'cccccccc-0000-4000-8000-000000000003';

function me(api: TestApp, token: string): request.Test {
  return request(api.url).get('/api/v1/me').set('authorization', bearer(token));
}

describe('users', () => {
  let client: MongoClient;

  beforeAll(async () => {
    client = await connectTestClient();
  });
  afterAll(() => client.close());

  describe('login and the profile cache', () => {
    let counter: CommandCounter;
    let api: TestApp;
    let tokens: TokenFactory;

    beforeAll(async () => {
      counter = await CommandCounter.start(testMongoUri());
      api = await startTestApp('userslogin', { MONGODB_URI: counter.uri });
      tokens = await TokenFactory.for(api);
    });
    afterAll(async () => {
      await api.close();
      await counter.stop();
    });

    it('upserts the profile from the token at the first request made with it', async () => {
      const token = tokens.mint({
        tenantId: TENANT_1,
        userId: USER_A,
        name: 'Adèle Vance',
        upn: 'AdeleV@contoso.test',
      });
      const res = await me(api, token).expect(200);
      expect(res.body).toEqual({
        id: USER_A,
        tenantId: TENANT_1,
        userPrincipalName: 'AdeleV@contoso.test',
        displayName: 'Adèle Vance',
        mail: 'AdeleV@contoso.test',
        jobTitle: null,
        department: null,
        officeLocation: null,
        businessPhones: [],
        createdDateTime: expect.any(String),
        lastLoginDateTime: expect.any(String),
      });
      expect(res.body.createdDateTime).toBe(res.body.lastLoginDateTime);
      const stored = await client
        .db(api.dbName)
        .collection('users')
        .findOne({ tenantId: TENANT_1, userId: USER_A });
      expect(stored).toMatchObject({
        _id: `${TENANT_1}|${USER_A}` as any,
        displayName: 'Adèle Vance',
        norm: expect.objectContaining({
          displayName: 'adele vance',
          userPrincipalName: 'adelev@contoso.test',
        }),
      });
      expect(stored?.createdDateTime).toBeInstanceOf(Date);
    });

    it('does no database work for further requests with the same token', async () => {
      const token = tokens.mint({ tenantId: TENANT_1, userId: USER_C, name: 'Carlos Slattery' });
      const before = counter.commands.length;
      await me(api, token).expect(200);
      const login = counter.workSince(before, api.dbName);
      expect(login.map((command) => command.name)).toEqual(['findAndModify']);
      expect(login[0].collection).toBe('users');

      const steady = counter.commands.length;
      for (let i = 0; i < 20; i++) await me(api, token).expect(200);
      expect(counter.workSince(steady, api.dbName)).toEqual([]);
    });

    it('records a new login for a new token: lastLoginDateTime moves, createdDateTime stays', async () => {
      const first = await me(
        api,
        tokens.mint({ tenantId: TENANT_1, userId: USER_C, name: 'Carlos Slattery' }),
      ).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const before = counter.commands.length;
      const second = await me(
        api,
        tokens.mint({ tenantId: TENANT_1, userId: USER_C, name: 'Carlos S.' }),
      ).expect(200);
      expect(counter.workSince(before, api.dbName).map((command) => command.name)).toEqual(['findAndModify']);
      expect(second.body.createdDateTime).toBe(first.body.createdDateTime);
      expect(Date.parse(second.body.lastLoginDateTime)).toBeGreaterThan(
        Date.parse(first.body.lastLoginDateTime),
      );
      expect(second.body.displayName).toBe('Carlos S.');
    });

    it('upserts once when the first requests with a token arrive together', async () => {
      const userId = 'eeeeeeee-0000-4000-8000-00000000000e';
      const token = tokens.mint({ tenantId: TENANT_1, userId });
      const before = counter.commands.length;
      const answers = await Promise.all(Array.from({ length: 8 }, () => me(api, token)));
      for (const answer of answers) expect(answer.status).toBe(200);
      expect(counter.workSince(before, api.dbName).map((command) => command.name)).toEqual(['findAndModify']);
      expect(await client.db(api.dbName).collection('users').countDocuments({ userId })).toBe(1);
    });
  });

  describe('without the profile cache', () => {
    let counter: CommandCounter;
    let api: TestApp;
    let tokens: TokenFactory;

    beforeAll(async () => {
      counter = await CommandCounter.start(testMongoUri());
      api = await startTestApp('usersnocache', { MONGODB_URI: counter.uri, USER_PROFILE_CACHE_SIZE: '0' });
      tokens = await TokenFactory.for(api);
    });
    afterAll(async () => {
      await api.close();
      await counter.stop();
    });

    it('writes the login and reads the profile on every request', async () => {
      const token = tokens.mint({ tenantId: TENANT_1, userId: USER_A });
      await me(api, token).expect(200);
      const before = counter.commands.length;
      await me(api, token).expect(200);
      expect(counter.workSince(before, api.dbName).map((command) => command.name)).toEqual([
        'findAndModify',
        'find',
      ]);
    });
  });

  describe('routes', () => {
    let api: TestApp;
    let tokens: TokenFactory;
    let token: string;

    beforeAll(async () => {
      api = await startTestApp('usersroutes');
      tokens = await TokenFactory.for(api);
      const people: Array<[string, string, string]> = [
        ['aaaaaaaa-0000-4000-8000-000000000001', 'Adèle Vance', 'adele@contoso.test'],
        ['aaaaaaaa-0000-4000-8000-000000000002', 'alex wilber', 'alex@contoso.test'],
        ['aaaaaaaa-0000-4000-8000-000000000003', 'Bianca Pisani', 'bianca@contoso.test'],
        ['aaaaaaaa-0000-4000-8000-000000000004', 'Émile Zola', 'emile@contoso.test'],
      ];
      const logins: string[] = [];
      for (const [userId, name, upn] of people) {
        // Distinct login times, in this order.
        await new Promise((resolve) => setTimeout(resolve, 5));
        logins.push(tokens.mint({ tenantId: TENANT_1, userId, name, upn }));
        await me(api, logins[logins.length - 1]).expect(200);
      }
      // The first user's token, already signed in: listing with it records no new login.
      token = logins[0];
    });
    afterAll(() => api.close());

    const list = (query: string) =>
      request(api.url).get(`/api/v1/users${query}`).set('authorization', bearer(token));

    it('GET /users/{id} answers a user of the tenant, 404 for an unknown or malformed id', async () => {
      const res = await request(api.url)
        .get('/api/v1/users/aaaaaaaa-0000-4000-8000-000000000003')
        .set('authorization', bearer(token))
        .expect(200);
      expect(res.body).toMatchObject({
        id: 'aaaaaaaa-0000-4000-8000-000000000003',
        displayName: 'Bianca Pisani',
      });
      const upper = await request(api.url)
        .get('/api/v1/users/AAAAAAAA-0000-4000-8000-000000000003')
        .set('authorization', bearer(token));
      expect(upper.status).toBe(200);
      for (const id of [
        'aaaaaaaa-0000-4000-8000-0000000000ff',
        'not-a-guid',
        `${TENANT_1}|aaaaaaaa-0000-4000-8000-000000000003`,
      ]) {
        const missing = await request(api.url)
          .get(`/api/v1/users/${encodeURIComponent(id)}`)
          .set('authorization', bearer(token));
        expect(missing.status).toBe(404);
        expect(missing.body.error.code).toBe('NotFound');
      }
    });

    it('GET /users lists the tenant in OData form, sorted and filtered without regard to case or accents', async () => {
      const all = await list('?$orderby=displayName&$count=true').expect(200);
      expect(all.body['@odata.context']).toMatch(/\/api\/v1\/\$metadata#users$/);
      expect(all.body['@odata.count']).toBe(4);
      expect(all.body.value.map((user: { displayName: string }) => user.displayName)).toEqual([
        'Adèle Vance',
        'alex wilber',
        'Bianca Pisani',
        'Émile Zola',
      ]);
      const filtered = await list(
        `?$filter=${encodeURIComponent("startswith(displayName,'ADE') or displayName eq 'emile zola'")}`,
      ).expect(200);
      expect(filtered.body.value.map((user: { id: string }) => user.id).sort()).toEqual([
        'aaaaaaaa-0000-4000-8000-000000000001',
        'aaaaaaaa-0000-4000-8000-000000000004',
      ]);
      const byMail = await list(
        `?$filter=${encodeURIComponent("endswith(mail,'@CONTOSO.test')")}&$top=2`,
      ).expect(200);
      expect(byMail.body.value).toHaveLength(2);
      expect(byMail.body['@odata.nextLink']).toContain('$skiptoken=');
    });

    it('GET /users sorts on lastLoginDateTime and userPrincipalName, and selects properties', async () => {
      const recent = await list('?$orderby=lastLoginDateTime desc&$top=1').expect(200);
      expect(recent.body.value[0].id).toBe('aaaaaaaa-0000-4000-8000-000000000004');
      const byUpn = await list('?$orderby=userPrincipalName desc&$select=userPrincipalName').expect(200);
      expect(byUpn.body.value[0]).toEqual({
        id: 'aaaaaaaa-0000-4000-8000-000000000004',
        userPrincipalName: 'emile@contoso.test',
      });
    });

    it.each([
      ['a property that is not filterable', "jobTitle eq 'x'"],
      ['the tenant', `tenantId eq ${TENANT_1}`],
      ['an unknown property', "password eq 'x'"],
    ])('GET /users answers 400 for %s in $filter', async (_label, filter) => {
      const res = await list(`?$filter=${encodeURIComponent(filter)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BadRequest');
    });
  });

  describe('Microsoft Graph enrichment', () => {
    let graph: FakeGraph;
    let api: TestApp;
    let tokens: TokenFactory;

    beforeAll(async () => {
      graph = await FakeGraph.start();
      api = await startTestApp('usersgraph', {
        AZURE_AD_CLIENT_SECRET: 'test-client-secret',
        AZURE_AD_AUTHORITY: graph.authority,
        GRAPH_BASE_URL: graph.graphBaseUrl,
        GRAPH_TIMEOUT_MS: '500',
      });
      tokens = await TokenFactory.for(api);
    });
    afterAll(async () => {
      await api.close();
      await graph.stop();
    });
    beforeEach(() => {
      graph.mode = 'ok';
      graph.requests.length = 0;
    });

    it('adds Graph /me fields at login through the on-behalf-of flow with User.Read', async () => {
      const token = tokens.mint({
        tenantId: TENANT_1,
        userId: USER_A,
        name: 'Adele Vance',
        upn: 'adele@contoso.test',
      });
      const res = await me(api, token).expect(200);
      expect(res.body).toMatchObject({
        ...GRAPH_PROFILE,
        displayName: 'Adele Vance',
        userPrincipalName: 'adele@contoso.test',
      });

      const [tokenRequest] = graph.tokenRequests();
      expect(tokenRequest.path).toBe(`/${TENANT_1}/oauth2/v2.0/token`);
      expect(Object.fromEntries(tokenRequest.form ?? [])).toEqual({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        client_id: tokens.audience,
        client_secret: 'test-client-secret',
        assertion: token,
        scope: `${new URL(graph.graphBaseUrl).origin}/User.Read`,
        requested_token_use: 'on_behalf_of',
      });
      const [graphRequest] = graph.graphRequests();
      expect(graphRequest.headers.authorization).toBe(`Bearer ${GRAPH_ACCESS_TOKEN}`);

      await me(api, token).expect(200);
      expect(graph.requests).toHaveLength(2);
    });

    it.each([
      ['the token endpoint refuses the assertion', 'token-refused'],
      ['the token endpoint fails', 'token-broken'],
      ['Graph is unavailable', 'graph-unavailable'],
      ['Graph does not answer in time', 'graph-hangs'],
    ] as const)('keeps the token claims when %s', async (_label, mode) => {
      graph.mode = mode;
      const userId = 'ffffffff-0000-4000-8000-00000000000f';
      const started = Date.now();
      const res = await me(api, tokens.mint({ tenantId: TENANT_1, userId, name: 'Megan Bowen' })).expect(200);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.body).toMatchObject({
        id: userId,
        displayName: 'Megan Bowen',
        jobTitle: null,
        department: null,
      });
      expect(graph.tokenRequests()).toHaveLength(1);
    });

    it('keeps what Graph said at an earlier login when Graph fails later', async () => {
      const userId = '99999999-0000-4000-8000-000000000009';
      await me(api, tokens.mint({ tenantId: TENANT_1, userId })).expect(200);
      graph.mode = 'graph-unavailable';
      const later = await me(api, tokens.mint({ tenantId: TENANT_1, userId })).expect(200);
      expect(later.body).toMatchObject({
        jobTitle: 'Retail Manager',
        department: 'Retail',
        businessPhones: ['+1 425 555 0109'],
      });
    });

    it('goes on when the token endpoint cannot be reached at all', async () => {
      const unreachable = await startTestApp('usersgraphdown', {
        AZURE_AD_CLIENT_SECRET: 'test-client-secret',
        AZURE_AD_AUTHORITY: 'http://127.0.0.1:9',
        GRAPH_BASE_URL: graph.graphBaseUrl,
      });
      try {
        const unreachableTokens = await TokenFactory.for(unreachable);
        const res = await me(
          unreachable,
          unreachableTokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adele' }),
        ).expect(200);
        expect(res.body).toMatchObject({ id: USER_A, displayName: 'Adele', jobTitle: null });
      } finally {
        await unreachable.close();
      }
    });
  });
});
