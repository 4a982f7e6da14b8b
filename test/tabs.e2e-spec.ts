import type { MongoClient } from 'mongodb';
import request from 'supertest';
import { callerOf } from './support/http';
import { startTestApp, TestApp } from './support/app';
import { CommandCounter } from './support/command-counter';
import { connectTestClient, testMongoUri } from './support/database';
import {
  bearer,
  mintCallers,
  MEMBER,
  READER,
  TENANT_1,
  TokenFactory,
  USER_A,
  type Callers,
} from './support/tokens';

const CHANNEL = '19:a1b2c3d4@thread.tacv2';

function newTab(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    channelId: CHANNEL,
    channelName: 'Sales',
    teamId: 'team-1',
    displayName: 'Suppliers',
    customFields: [
      {
        key: 'industry',
        label: 'Industry',
        type: 'choice',
        choices: [{ value: 'Retail', color: '#ff0000' }],
      },
      { key: 'rating', label: 'Rating', type: 'number' },
    ],
    categories: [{ name: 'Supplier', color: '#00ff00' }],
    permissions: { contactEditors: 'members', members: [MEMBER] },
    ...overrides,
  };
}

describe('tabs and channels', () => {
  let api: TestApp;
  let tokens: TokenFactory;
  let as: Callers;
  let client: MongoClient;

  const call = (token: string) => callerOf(api.url, token);

  beforeAll(async () => {
    api = await startTestApp('tabs');
    tokens = await TokenFactory.for(api);
    client = await connectTestClient();
    as = mintCallers(tokens);
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  async function createTab(overrides: Record<string, unknown> = {}): Promise<any> {
    const res = await call(as.owner).post('/api/v1/tabs', newTab(overrides)).expect(201);
    return res.body;
  }

  async function storedTabs(): Promise<unknown[]> {
    return client.db(api.dbName).collection('tabs').find({}).sort({ _id: 1 }).toArray();
  }

  describe('lifecycle', () => {
    it('creates a tab: 201, Location, ETag, the caller as first owner, the channel recorded', async () => {
      const res = await call(as.owner).post('/api/v1/tabs', newTab()).expect(201);
      const tab = res.body;
      expect(res.headers.location).toBe(`/api/v1/tabs/${tab.id}`);
      expect(res.headers.etag).toBe('W/"1"');
      expect(tab['@odata.etag']).toBe('W/"1"');
      expect(tab).toMatchObject({
        channelId: CHANNEL,
        teamId: 'team-1',
        displayName: 'Suppliers',
        permissions: { contactEditors: 'members', owners: [USER_A], members: [MEMBER] },
        createdBy: { id: USER_A, displayName: 'Adèle Vance' },
        categories: [{ name: 'Supplier', color: '#00ff00' }],
        defaultSort: null,
      });
      expect(tab.customFields[0]).toEqual({
        key: 'industry',
        label: 'Industry',
        type: 'choice',
        required: false,
        choices: [{ value: 'Retail', color: '#ff0000' }],
      });
      // Every built-in and custom field has a place in the layout.
      expect(tab.fields.map((f: { key: string }) => f.key)).toEqual(
        expect.arrayContaining(['displayName', 'notes', 'industry', 'rating']),
      );
      expect(JSON.stringify(tab)).not.toContain('norm');
      expect(JSON.stringify(tab)).not.toContain('tenantId');

      const channel = await call(as.owner)
        .get(`/api/v1/channels/${encodeURIComponent(CHANNEL)}`)
        .expect(200);
      expect(channel.body).toMatchObject({ id: CHANNEL, displayName: 'Sales', teamId: 'team-1' });

      const read = await call(as.reader).get(`/api/v1/tabs/${tab.id}`).expect(200);
      expect(read.headers.etag).toBe('W/"1"');
      expect(read.body).toEqual(tab);
    });

    it('patches with If-Match, refuses a stale one with 412 and a malformed one with 400', async () => {
      const tab = await createTab();
      const path = `/api/v1/tabs/${tab.id}`;
      const patched = await call(as.owner)
        .patch(path, {
          displayName: 'Key suppliers',
          defaultSort: { property: 'companyName', direction: 'desc' },
        })
        .set('if-match', tab['@odata.etag'])
        .expect(200);
      expect(patched.body).toMatchObject({
        displayName: 'Key suppliers',
        defaultSort: { property: 'companyName', direction: 'desc' },
      });
      expect(patched.headers.etag).toBe('W/"2"');
      expect(patched.body.customFields).toEqual(tab.customFields);

      const stale = await call(as.owner)
        .patch(path, { displayName: 'Lost update' })
        .set('if-match', tab['@odata.etag']);
      expect(stale.status).toBe(412);
      expect(stale.body.error.code).toBe('PreconditionFailed');
      const malformed = await call(as.owner).patch(path, { displayName: 'x' }).set('if-match', 'yesterday');
      expect(malformed.status).toBe(400);
      expect((await call(as.owner).get(path)).body.displayName).toBe('Key suppliers');

      const cleared = await call(as.owner).patch(path, { defaultSort: null }).expect(200);
      expect(cleared.body.defaultSort).toBeNull();
    });

    it('removes a custom field from the layout when the field is removed', async () => {
      const tab = await createTab();
      const res = await call(as.owner)
        .patch(`/api/v1/tabs/${tab.id}`, { customFields: [tab.customFields[1]] })
        .expect(200);
      expect(res.body.customFields.map((f: { key: string }) => f.key)).toEqual(['rating']);
      expect(res.body.fields.map((f: { key: string }) => f.key)).not.toContain('industry');
    });

    it('deletes a tab (204), then the channel record once no tab uses it', async () => {
      const channelId = '19:lonely@thread.tacv2';
      const first = await createTab({ channelId, channelName: 'Lonely' });
      const second = await createTab({ channelId, channelName: 'Lonely' });
      const channelPath = `/api/v1/channels/${encodeURIComponent(channelId)}`;

      await call(as.owner).delete(`/api/v1/tabs/${first.id}`).expect(204);
      await call(as.owner).get(`/api/v1/tabs/${first.id}`).expect(404);
      await call(as.owner).get(channelPath).expect(200);

      const stale = await call(as.owner).delete(`/api/v1/tabs/${second.id}`).set('if-match', 'W/"9"');
      expect(stale.status).toBe(412);
      await call(as.owner)
        .delete(`/api/v1/tabs/${second.id}`)
        .set('if-match', second['@odata.etag'])
        .expect(204);
      await call(as.owner).get(channelPath).expect(404);
    });

    it('lists tabs with OData and never another tenant’s', async () => {
      const listed = await call(as.owner)
        .get(
          `/api/v1/tabs?$filter=${encodeURIComponent(`channelId eq '${CHANNEL}'`)}&$orderby=displayName&$count=true`,
        )
        .expect(200);
      expect(listed.body['@odata.count']).toBeGreaterThan(0);
      expect(listed.body.value.every((tab: { channelId: string }) => tab.channelId === CHANNEL)).toBe(true);
      const foreign = await call(as.foreign).get('/api/v1/tabs').expect(200);
      expect(foreign.body.value).toEqual([]);
      const bad = await call(as.owner).get('/api/v1/tabs?$filter=nope eq 1');
      expect(bad.status).toBe(400);
      expect(bad.body.error.target).toBe('$filter');
    });
  });

  describe('permission matrix', () => {
    let tab: any;
    let path: string;

    beforeAll(async () => {
      tab = await createTab();
      path = `/api/v1/tabs/${tab.id}`;
    });

    it.each(['owner', 'member', 'reader', 'admin'] as const)('lets %s read the tab', async (who) => {
      await call(as[who]).get(path).expect(200);
    });

    it('answers another tenant 404 on every route, exactly as for an unknown id', async () => {
      const unknown = await call(as.foreign).get('/api/v1/tabs/00000000-0000-4000-8000-000000000000');
      const res = await call(as.foreign).get(path);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(unknown.body.error.message);
      expect((await call(as.foreign).patch(path, { displayName: 'x' })).status).toBe(404);
      expect((await call(as.foreign).delete(path)).status).toBe(404);
      expect((await call(as.foreign).get(`/api/v1/channels/${encodeURIComponent(CHANNEL)}`)).status).toBe(
        404,
      );
    });

    it.each(['member', 'reader'] as const)('refuses %s a change of the tab with 403', async (who) => {
      const patch = await call(as[who]).patch(path, { displayName: 'Hijacked' });
      expect(patch.status).toBe(403);
      expect(patch.body.error.code).toBe('Forbidden');
      expect((await call(as[who]).delete(path)).status).toBe(403);
      expect((await call(as.owner).get(path)).body.displayName).toBe('Suppliers');
    });

    it('lets the owner and an administrator change the tab', async () => {
      await call(as.owner).patch(path, { displayName: 'By owner' }).expect(200);
      await call(as.admin).patch(path, { displayName: 'By admin' }).expect(200);
    });

    it('lets an owner hand the tab over, but never leave it without owners', async () => {
      const own = await createTab();
      const ownPath = `/api/v1/tabs/${own.id}`;
      const empty = await call(as.owner).patch(ownPath, { permissions: { owners: [] } });
      expect(empty.status).toBe(400);
      await call(as.owner)
        .patch(ownPath, { permissions: { owners: [READER] } })
        .expect(200);
      expect((await call(as.owner).patch(ownPath, { displayName: 'x' })).status).toBe(403);
      await call(as.reader).patch(ownPath, { displayName: 'Mine now' }).expect(200);
    });

    it('leaves the admin-only channel delete to administrators, and refuses it while tabs use the channel', async () => {
      const channelPath = `/api/v1/channels/${encodeURIComponent(CHANNEL)}`;
      expect((await call(as.owner).delete(channelPath)).status).toBe(403);
      const inUse = await call(as.admin).delete(channelPath);
      expect(inUse.status).toBe(409);
      expect(inUse.body.error.code).toBe('Conflict');
    });
  });

  describe('channels', () => {
    it('creates with PUT (201), updates idempotently (200), lists, and deletes an unused one', async () => {
      const id = '19:fresh-channel@thread.tacv2';
      const path = `/api/v1/channels/${encodeURIComponent(id)}`;
      const created = await call(as.owner).put(path, { displayName: 'Fresh', teamName: 'Team' }).expect(201);
      expect(created.body).toMatchObject({ id, displayName: 'Fresh', teamName: 'Team', teamId: null });
      const updated = await call(as.owner).put(path, { displayName: 'Fresher' }).expect(200);
      expect(updated.body).toMatchObject({ displayName: 'Fresher', teamName: 'Team' });
      expect(updated.body.createdDateTime).toBe(created.body.createdDateTime);
      const list = await call(as.owner)
        .get(`/api/v1/channels?$filter=${encodeURIComponent("startswith(displayName,'FRESH')")}`)
        .expect(200);
      expect(list.body.value.map((c: { id: string }) => c.id)).toEqual([id]);
      await call(as.admin).delete(path).expect(204);
      await call(as.owner).get(path).expect(404);
    });

    it.each([
      ['control characters', '19:abc%01def@thread.tacv2'],
      ['a newline', '19:abc%0D%0Adef@thread.tacv2'],
      ['spaces', '19:abc%20def@thread.tacv2'],
      ['no 19: prefix', 'general'],
      ['257 characters', `19:${'a'.repeat(254)}`],
    ])('refuses a channel id with %s', async (_label, id) => {
      const res = await call(as.owner).put(`/api/v1/channels/${id}`, { displayName: 'Bad' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BadRequest');
    });
  });

  describe('bad input changes nothing', () => {
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      [
        'duplicate custom keys',
        {
          customFields: [
            { key: 'a', label: 'A', type: 'text' },
            { key: 'a', label: 'B', type: 'text' },
          ],
        },
        ['customFields.1.key'],
      ],
      [
        'a reserved key',
        { customFields: [{ key: 'surname', label: 'S', type: 'text' }] },
        ['customFields.0.key'],
      ],
      [
        'a key breaking the pattern',
        { customFields: [{ key: 'Bad-Key', label: 'B', type: 'text' }] },
        ['customFields.0.key'],
      ],
      ['a bad category colour', { categories: [{ name: 'A', color: 'red' }] }, ['categories.0.color']],
      // An array passes a nested object's validation element by element: it must be refused as a whole.
      ['a default sort that is an array', { defaultSort: [] }, ['defaultSort']],
      ['permissions that are an array', { permissions: [] }, ['permissions']],
      [
        'a bad choice colour',
        {
          customFields: [
            { key: 'c', label: 'C', type: 'choice', choices: [{ value: 'x', color: '#12345' }] },
          ],
        },
        ['customFields.0.choices.0.color'],
      ],
      [
        '51 custom fields',
        {
          customFields: Array.from({ length: 51 }, (_, i) => ({
            key: `f${i}`,
            label: `F${i}`,
            type: 'text',
          })),
        },
        ['customFields'],
      ],
      [
        'a choice field without choices',
        { customFields: [{ key: 'c', label: 'C', type: 'choice' }] },
        ['customFields.0.choices'],
      ],
      [
        'choices on a text field',
        { customFields: [{ key: 't', label: 'T', type: 'text', choices: [{ value: 'x' }] }] },
        ['customFields.0.choices'],
      ],
      [
        'an unknown field type',
        { customFields: [{ key: 't', label: 'T', type: 'colour' }] },
        ['customFields.0.type'],
      ],
      [
        'duplicate categories',
        {
          categories: [
            { name: 'A', color: '#000000' },
            { name: 'a', color: '#111111' },
          ],
        },
        ['categories.1.name'],
      ],
      [
        '101 categories',
        { categories: Array.from({ length: 101 }, (_, i) => ({ name: `c${i}`, color: '#000000' })) },
        ['categories'],
      ],
      ['an unknown layout field', { fields: [{ key: 'shoeSize', visible: true }] }, ['fields.0.key']],
      ['an unknown sort property', { defaultSort: { property: 'notes' } }, ['defaultSort.property']],
      [
        'an unknown contactEditors',
        { permissions: { contactEditors: 'anyone' } },
        ['permissions.contactEditors'],
      ],
      ['an owner that is not a user id', { permissions: { owners: ['bob'] } }, ['permissions.owners']],
      ['an unknown property', { colour: 'blue' }, ['colour']],
      ['a null display name', { displayName: null }, ['displayName']],
      ['an operator object', { displayName: { $gt: '' } }, ['displayName']],
    ];

    it.each(cases)(
      'refuses a tab with %s: 400, one detail per bad field, nothing stored',
      async (_label, change, targets) => {
        const before = await storedTabs();
        const res = await call(as.owner).post('/api/v1/tabs', newTab(change));
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('BadRequest');
        expect(res.body.error.details.map((d: { target: string }) => d.target)).toEqual(targets);
        expect(await storedTabs()).toEqual(before);
      },
    );

    it.each(cases)(
      'refuses a patch with %s and leaves the tab as it was',
      async (_label, change, targets) => {
        const tab = await createTab();
        const before = await storedTabs();
        const res = await call(as.owner).patch(`/api/v1/tabs/${tab.id}`, change);
        expect(res.status).toBe(400);
        expect(res.body.error.details.map((d: { target: string }) => d.target)).toEqual(targets);
        expect(await storedTabs()).toEqual(before);
      },
    );

    it('refuses prototype-pollution keys', async () => {
      const before = await storedTabs();
      for (const body of [
        `{"channelId":"${CHANNEL}","channelName":"S","displayName":"D","__proto__":{"isAdmin":true}}`,
        `{"channelId":"${CHANNEL}","channelName":"S","displayName":"D","constructor":{"prototype":{"x":1}}}`,
      ]) {
        const res = await request(api.url)
          .post('/api/v1/tabs')
          .set('authorization', bearer(as.owner))
          .set('content-type', 'application/json')
          .send(body);
        expect(res.status).toBe(400);
      }
      expect(await storedTabs()).toEqual(before);
    });
  });
});

describe('tab configuration cache', () => {
  let counter: CommandCounter;
  let api: TestApp;
  let token: string;

  beforeAll(async () => {
    counter = await CommandCounter.start(testMongoUri());
    api = await startTestApp('tabcache', { MONGODB_URI: counter.uri });
    const tokens = await TokenFactory.for(api);
    token = tokens.mint({ tenantId: TENANT_1, userId: USER_A });
  });
  afterAll(async () => {
    await api.close();
    await counter.stop();
  });

  const tabReads = (): number =>
    counter.commands.filter((c) => c.collection === 'tabs' && (c.name === 'find' || c.name === 'aggregate'))
      .length;

  it('serves a repeated read without a database round trip, and shows a write at the next read', async () => {
    const created = await request(api.url)
      .post('/api/v1/tabs')
      .set('authorization', bearer(token))
      .send(newTab())
      .expect(201);
    const path = `/api/v1/tabs/${created.body.id}`;
    await request(api.url).get(path).set('authorization', bearer(token)).expect(200);
    const reads = tabReads();
    for (let i = 0; i < 5; i++)
      await request(api.url).get(path).set('authorization', bearer(token)).expect(200);
    expect(tabReads()).toBe(reads);

    await request(api.url)
      .patch(path)
      .set('authorization', bearer(token))
      .send({ displayName: 'Renamed' })
      .expect(200);
    const after = await request(api.url).get(path).set('authorization', bearer(token)).expect(200);
    expect(after.body.displayName).toBe('Renamed');
    expect(after.headers.etag).toBe('W/"2"');
  });
});
