import type { MongoClient } from 'mongodb';
import request from 'supertest';
import { callerOf } from './support/http';
import { startTestApp, TestApp } from './support/app';
import { connectTestClient } from './support/database';
import { bearer, TENANT_1, TENANT_2, TokenFactory, USER_A, USER_B } from './support/tokens';

const READER = 'dddddddd-0000-4000-8000-000000000004';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

describe('$batch', () => {
  let api: TestApp;
  let tokens: TokenFactory;
  let client: MongoClient;
  let owner: string;
  let reader: string;
  let foreign: string;
  /** Contacts editable by its members only (the reader is not one). */
  let closedTab: any;
  /** Contacts editable by everyone. */
  let openTab: any;
  let existing: any;

  const contacts = () => client.db(api.dbName).collection('contacts');
  const batch = (token: string, requests: unknown, headers: Record<string, string> = {}) =>
    request(api.url)
      .post('/api/v1/$batch')
      .set('authorization', bearer(token))
      .set(headers)
      .send(requests === undefined ? {} : { requests });
  const byId = (body: { responses: Array<{ id: string }> }) =>
    Object.fromEntries(body.responses.map((response) => [response.id, response])) as Record<string, any>;

  beforeAll(async () => {
    api = await startTestApp('batch', { RATE_LIMIT_PER_USER: '100000', RATE_LIMIT_PER_TENANT: '1000000' });
    tokens = await TokenFactory.for(api);
    client = await connectTestClient();
    owner = tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adèle Vance' });
    reader = tokens.mint({ tenantId: TENANT_1, userId: READER, name: 'Lee Gu' });
    foreign = tokens.mint({ tenantId: TENANT_2, userId: USER_B, name: 'Other Tenant' });
    const as = callerOf(api.url, owner);
    const tab = (displayName: string, contactEditors: string) =>
      as
        .post('/api/v1/tabs', {
          channelId: '19:batch@thread.tacv2',
          channelName: 'Sales',
          displayName,
          permissions: { contactEditors, members: [] },
        })
        .expect(201)
        .then((res) => res.body);
    closedTab = await tab('Suppliers', 'members');
    openTab = await tab('Partners', 'everyone');
    existing = (
      await as
        .post(`/api/v1/tabs/${openTab.id}/contacts`, { givenName: 'Existing', surname: 'Contact' })
        .expect(201)
    ).body;
    await as
      .post(`/api/v1/tabs/${closedTab.id}/contacts`, { givenName: 'Closed', surname: 'Contact' })
      .expect(201);
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  it('runs reads and writes of two tabs, each with its own status; the forbidden one alone is refused', async () => {
    const before = await contacts().countDocuments({ tabId: closedTab.id });
    const res = await batch(reader, [
      { id: 'read-closed', method: 'GET', url: `/tabs/${closedTab.id}/contacts?$select=displayName` },
      {
        id: 'write-open',
        method: 'POST',
        url: `/tabs/${openTab.id}/contacts`,
        body: { givenName: 'Batch', surname: 'Created', emailAddresses: [{ address: 'batch@contoso.com' }] },
      },
      {
        id: 'write-closed',
        method: 'POST',
        url: `/tabs/${closedTab.id}/contacts`,
        body: { givenName: 'Not', surname: 'Allowed' },
      },
      { id: 'read-open', method: 'get', url: `/api/v1/tabs/${openTab.id}` },
      {
        id: 'patch-open',
        method: 'PATCH',
        url: `/tabs/${openTab.id}/contacts/${existing.id}`,
        headers: { 'If-Match': existing['@odata.etag'], 'Content-Type': 'application/json' },
        body: { jobTitle: 'Buyer' },
      },
    ]);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.responses.map((r: { id: string }) => r.id)).toEqual([
      'read-closed',
      'write-open',
      'write-closed',
      'read-open',
      'patch-open',
    ]);
    const answers = byId(res.body);
    expect(answers['read-closed']).toMatchObject({
      status: 200,
      headers: { 'content-type': expect.stringMatching(/^application\/json/), 'cache-control': 'no-store' },
      body: {
        '@odata.context': `${api.url}/api/v1/$metadata#contacts`,
        value: [{ displayName: 'Closed Contact' }],
      },
    });
    const created = answers['write-open'];
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/api/v1/tabs/${openTab.id}/contacts/${created.body.id}`);
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.body).toMatchObject({ displayName: 'Batch Created', createdBy: { id: READER } });
    expect(answers['write-closed']).toMatchObject({ status: 403, body: { error: { code: 'Forbidden' } } });
    expect(answers['read-open']).toMatchObject({ status: 200, body: { id: openTab.id } });
    expect(answers['patch-open']).toMatchObject({ status: 200, body: { jobTitle: 'Buyer' } });
    expect(answers['patch-open'].headers.etag).toBe('W/"2"');
    // Security headers are on the batch response, not repeated per request.
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(answers['read-open'].headers['x-content-type-options']).toBeUndefined();

    expect(await contacts().countDocuments({ tabId: closedTab.id })).toBe(before);
    expect(await contacts().findOne({ _id: created.body.id } as never)).toMatchObject({ tabId: openTab.id });
  });

  it('orders by dependsOn: a create before the read that finds it, a patch before the patch that needs its ETag', async () => {
    const contact = (
      await callerOf(api.url, owner)
        .post(`/api/v1/tabs/${openTab.id}/contacts`, { givenName: 'Versioned' })
        .expect(201)
    ).body;
    const base = `/tabs/${openTab.id}/contacts`;
    const filter = encodeURIComponent("emailAddresses/any(e: e/address eq 'ordered@contoso.com')");
    const res = await batch(owner, [
      // Listed first, run last: order comes from dependsOn, not from the list.
      { id: 'find', method: 'GET', url: `${base}?$filter=${filter}`, dependsOn: ['create'] },
      {
        id: 'second',
        method: 'PATCH',
        url: `${base}/${contact.id}`,
        headers: { 'if-match': 'W/"2"' },
        body: { jobTitle: 'Two' },
        dependsOn: ['first'],
      },
      {
        id: 'create',
        method: 'POST',
        url: base,
        body: { givenName: 'Ordered', emailAddresses: [{ address: 'ordered@contoso.com' }] },
      },
      {
        id: 'first',
        method: 'PATCH',
        url: `${base}/${contact.id}`,
        headers: { 'if-match': 'W/"1"' },
        body: { jobTitle: 'One' },
      },
      {
        id: 'third',
        method: 'PATCH',
        url: `${base}/${contact.id}`,
        headers: { 'if-match': 'W/"3"' },
        body: { jobTitle: 'Three' },
        dependsOn: ['second', 'create'],
      },
    ]).expect(200);
    const answers = byId(res.body);
    expect(answers.create.status).toBe(201);
    expect(answers.find).toMatchObject({ status: 200, body: { value: [{ id: answers.create.body.id }] } });
    expect([answers.first.status, answers.second.status, answers.third.status]).toEqual([200, 200, 200]);
    expect(answers.third.body).toMatchObject({ jobTitle: 'Three', '@odata.etag': 'W/"4"' });
  });

  it('answers 424 to the dependents of a request that failed, transitively, without running them', async () => {
    const before = await contacts().countDocuments({});
    const res = await batch(owner, [
      { id: 'missing', method: 'GET', url: `/tabs/${UNKNOWN_ID}` },
      {
        id: 'write',
        method: 'POST',
        url: `/tabs/${openTab.id}/contacts`,
        body: { givenName: 'Never' },
        dependsOn: ['missing'],
      },
      {
        id: 'after-write',
        method: 'DELETE',
        url: `/tabs/${openTab.id}/contacts/${existing.id}`,
        dependsOn: ['write'],
      },
      { id: 'invalid', method: 'POST', url: `/tabs/${openTab.id}/contacts`, body: { givenName: 42 } },
      { id: 'after-invalid', method: 'GET', url: `/tabs/${openTab.id}`, dependsOn: ['invalid'] },
      { id: 'independent', method: 'GET', url: `/tabs/${openTab.id}` },
    ]).expect(200);
    const answers = byId(res.body);
    expect(answers.missing).toMatchObject({ status: 404, body: { error: { code: 'NotFound' } } });
    expect(answers.invalid).toMatchObject({ status: 400, body: { error: { code: 'BadRequest' } } });
    for (const [id, dependency, status] of [
      ['write', 'missing', 404],
      ['after-write', 'write', 424],
      ['after-invalid', 'invalid', 400],
    ] as const) {
      expect(answers[id]).toMatchObject({
        status: 424,
        body: {
          error: {
            code: 'FailedDependency',
            message: `Not run: request '${dependency}', which it depends on, answered ${status}.`,
            innererror: { 'request-id': expect.any(String) },
          },
        },
      });
    }
    expect(answers.independent.status).toBe(200);
    expect(await contacts().countDocuments({})).toBe(before);
    expect(await contacts().findOne({ _id: existing.id } as never)).not.toBeNull();
  });

  it('refuses a malformed batch as a whole with 400 before anything runs', async () => {
    const post = (id = 'write', extra: Partial<BatchItem> = {}): BatchItem => ({
      id,
      method: 'POST',
      url: `/tabs/${openTab.id}/contacts`,
      body: { givenName: 'Should not exist' },
      ...extra,
    });
    const get = (id: string, url: string, extra: Partial<BatchItem> = {}): BatchItem => ({
      id,
      method: 'GET',
      url,
      ...extra,
    });
    const cases: Array<[string, unknown, string?]> = [
      ['no requests property', undefined],
      ['requests not an array', { id: '1' }],
      ['empty batch', []],
      ['21 requests', Array.from({ length: 21 }, (_, i) => get(String(i), '/tabs'))],
      ['duplicate ids', [post('a'), get('a', '/tabs')], 'requests[1].id'],
      ['absolute URL', [post(), get('x', 'https://evil.example/api/v1/tabs')], 'requests[1].url'],
      ['scheme-relative URL', [post(), get('x', '//evil.example/api/v1/tabs')], 'requests[1].url'],
      ['URL without a leading slash', [post(), get('x', 'tabs')], 'requests[1].url'],
      ['dot-dot segment', [post(), get('x', '/tabs/../admin/tenant-data')], 'requests[1].url'],
      ['encoded dot-dot', [post(), get('x', '/tabs/%2e%2e/me')], 'requests[1].url'],
      ['encoded slash', [post(), get('x', '/tabs/a%2Fb')], 'requests[1].url'],
      ['bad percent-encoding', [post(), get('x', '/tabs/%zz')], 'requests[1].url'],
      ['backslash', [post(), get('x', '/tabs\\..\\me')], 'requests[1].url'],
      ['fragment', [post(), get('x', '/tabs#x')], 'requests[1].url'],
      ['control character', [post(), get('x', '/tabs\r\nHost: evil')], 'requests[1].url'],
      [
        'nested $batch',
        [post(), { ...post('x'), url: '/$batch', body: { requests: [] } }],
        'requests[1].url',
      ],
      ['nested /api/v1/$batch', [post(), { ...post('x'), url: '/api/v1/$batch' }], 'requests[1].url'],
      ['nested %24batch', [post(), { ...post('x'), url: '/%24batch' }], 'requests[1].url'],
      ['unknown method HEAD', [post(), get('x', '/tabs', { method: 'HEAD' })]],
      ['unknown method TRACE', [post(), get('x', '/tabs', { method: 'TRACE' })]],
      ['method not a string', [post(), get('x', '/tabs', { method: 1 as never })]],
      ['unknown dependsOn', [post('a', { dependsOn: ['zz'] })], 'requests[0].dependsOn'],
      ['self dependency', [post('a', { dependsOn: ['a'] })], 'requests'],
      [
        'cyclic dependsOn',
        [
          post('a', { dependsOn: ['c'] }),
          get('b', '/tabs', { dependsOn: ['a'] }),
          get('c', '/tabs', { dependsOn: ['b'] }),
        ],
        'requests',
      ],
      ['body on GET', [post(), get('x', '/tabs', { body: { a: 1 } })], 'requests[1].body'],
      [
        'body on DELETE',
        [post(), { id: 'x', method: 'DELETE', url: `/tabs/${openTab.id}`, body: {} }],
        'requests[1].body',
      ],
      ['body not an object', [post('a', { body: 'text' })]],
      ['body null', [post('a', { body: null })]],
      [
        'non-JSON content type',
        [post('a', { headers: { 'content-type': 'text/plain' } })],
        'requests[0].headers',
      ],
      ['Host header', [post('a', { headers: { Host: 'evil.example' } })], 'requests[0].headers.Host'],
      [
        'Content-Length header',
        [post('a', { headers: { 'content-length': '1' } })],
        'requests[0].headers.content-length',
      ],
      [
        'forwarding header',
        [post('a', { headers: { 'X-Forwarded-For': '10.0.0.1' } })],
        'requests[0].headers.X-Forwarded-For',
      ],
      [
        'hop-by-hop header',
        [post('a', { headers: { Connection: 'close' } })],
        'requests[0].headers.Connection',
      ],
      [
        'another Authorization',
        [post('a', { headers: { Authorization: bearer(foreign) } })],
        'requests[0].headers.Authorization',
      ],
      [
        'CR/LF in a header value',
        [post('a', { headers: { 'if-match': 'x\r\nHost: evil' } })],
        'requests[0].headers.if-match',
      ],
      ['bad header name', [post('a', { headers: { 'bad name': 'x' } })], 'requests[0].headers.bad name'],
      [
        'header value not a string',
        [post('a', { headers: { 'if-match': 1 as never } })],
        'requests[0].headers.if-match',
      ],
      ['id with spaces', [post('a b')]],
      ['unknown property', [{ ...post('a'), extra: true }]],
      ['URL too long', [post(), get('x', `/tabs?$filter=${'a'.repeat(3000)}`)]],
    ];
    const before = await contacts().countDocuments({});
    const failures: string[] = [];
    for (const [name, requests, target] of cases) {
      const res = await batch(owner, requests);
      if (res.status !== 400 || res.body?.error?.code !== 'BadRequest') {
        failures.push(`${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        continue;
      }
      expect(res.body.error.innererror['request-id']).toEqual(expect.any(String));
      const targets = [
        res.body.error.target,
        ...(res.body.error.details ?? []).map((d: { target: string }) => d.target),
      ];
      if (target && !targets.includes(target)) failures.push(`${name}: target ${JSON.stringify(targets)}`);
    }
    expect(failures).toEqual([]);
    expect(await contacts().countDocuments({})).toBe(before);
  });

  it('answers hostile URLs and bodies inside a batch with a 4xx of that request, never a 5xx', async () => {
    const urls = [
      '/tabs/é',
      '/tabs/%00',
      `/users/${'a'.repeat(600)}`,
      "/tabs?$filter=displayName%20eq%20'a'%20or%201%20eq%201",
      '/tabs?$top=-1',
      '/channels/%E2%80%A8',
      '/unknown/route',
      '/',
    ];
    const res = await batch(owner, [
      ...urls.map((url, i) => ({ id: `url${i}`, method: 'GET', url })),
      {
        id: 'operators',
        method: 'POST',
        url: `/tabs/${openTab.id}/contacts`,
        body: { givenName: { $gt: '' }, surname: 'x' },
      },
      { id: 'empty-json', method: 'POST', url: '/tabs', headers: { 'content-type': 'application/json' } },
    ]).expect(200);
    const statuses = res.body.responses.map((r: { id: string; status: number }) => [r.id, r.status]);
    for (const [id, status] of statuses) {
      expect([id, status >= 400 && status < 500]).toEqual([id, true]);
    }
  });

  it("keeps another tenant's ids 404 inside a batch and changes nothing of theirs", async () => {
    const before = await contacts().find({ tenantId: TENANT_1 }).sort({ _id: 1 }).toArray();
    const res = await batch(foreign, [
      { id: 'tab', method: 'GET', url: `/tabs/${openTab.id}` },
      { id: 'contact', method: 'GET', url: `/tabs/${openTab.id}/contacts/${existing.id}` },
      { id: 'list', method: 'GET', url: `/tabs/${openTab.id}/contacts` },
      {
        id: 'patch',
        method: 'PATCH',
        url: `/tabs/${openTab.id}/contacts/${existing.id}`,
        body: { jobTitle: 'Hacked' },
      },
      { id: 'delete', method: 'DELETE', url: `/tabs/${openTab.id}/contacts/${existing.id}` },
      { id: 'create', method: 'POST', url: `/tabs/${openTab.id}/contacts`, body: { givenName: 'Intruder' } },
      { id: 'search', method: 'GET', url: '/contacts' },
    ]).expect(200);
    const answers = byId(res.body);
    for (const id of ['tab', 'contact', 'list', 'patch', 'delete', 'create']) {
      expect([id, answers[id].status, answers[id].body.error.code]).toEqual([id, 404, 'NotFound']);
    }
    expect(answers.search).toMatchObject({ status: 200, body: { value: [] } });
    expect(await contacts().find({ tenantId: TENANT_1 }).sort({ _id: 1 }).toArray()).toEqual(before);
  });

  it('needs a valid token: an expired one is a 401 of the batch itself, and each request runs as the caller', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = tokens.mint({ tenantId: TENANT_1, userId: USER_A, now: now - 7200, expiresIn: 3600 });
    const requests = [{ id: '1', method: 'GET', url: '/me' }];
    for (const token of [expired, 'not.a.jwt']) {
      const res = await batch(token, requests);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(res.body.responses).toBeUndefined();
    }
    expect((await request(api.url).post('/api/v1/$batch').send({ requests })).status).toBe(401);

    // A copy of the batch's own Authorization in a request is accepted; the request is still the caller's.
    const res = await batch(reader, [
      { id: 'me', method: 'GET', url: '/me', headers: { authorization: bearer(reader) } },
    ]).expect(200);
    expect(byId(res.body).me).toMatchObject({ status: 200, body: { id: READER } });
  });

  it('forwards client-request-id, unless a request brings its own', async () => {
    const res = await batch(
      owner,
      [
        { id: 'inherits', method: 'GET', url: '/me' },
        { id: 'own', method: 'GET', url: '/me', headers: { 'client-request-id': 'own-id-1' } },
      ],
      { 'client-request-id': 'batch-id-1' },
    ).expect(200);
    expect(res.headers['request-id']).toBe('batch-id-1');
    const answers = byId(res.body);
    expect(answers.inherits.headers['request-id']).toBe('batch-id-1');
    expect(answers.own.headers['request-id']).toBe('own-id-1');
  });

  it('counts each request against the rate limits, as if sent alone', async () => {
    const limited = await startTestApp('batch-rate-limit', { RATE_LIMIT_PER_USER: '5' });
    try {
      const token = (await TokenFactory.for(limited)).mint({ tenantId: TENANT_1, userId: USER_A });
      const res = await request(limited.url)
        .post('/api/v1/$batch')
        .set('authorization', bearer(token))
        .send({
          requests: Array.from({ length: 6 }, (_, i) => ({ id: String(i), method: 'GET', url: '/me' })),
        })
        .expect(200);
      const statuses = res.body.responses.map((r: { status: number }) => r.status).sort();
      // The batch itself is the first of the five requests allowed.
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const throttled = res.body.responses.find((r: { status: number }) => r.status === 429);
      expect(throttled.headers['retry-after']).toMatch(/^\d+$/);
      expect(throttled.body.error.code).toBe('TooManyRequests');
    } finally {
      await limited.close();
    }
  });

  it('keeps the normal JSON body limit and bounds for the batch body', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const res = await batch(owner, [{ id: '1', method: 'POST', url: '/tabs', body: { displayName: big } }]);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PayloadTooLarge');
  });
});
