import type { MongoClient } from 'mongodb';
import request from 'supertest';
import { callerOf } from './support/http';
import { startTestApp, TestApp } from './support/app';
import { connectTestClient } from './support/database';
import { TENANT_1, TENANT_2, TokenFactory, USER_A, USER_B } from './support/tokens';

const READER = 'dddddddd-0000-4000-8000-000000000004';
const SECRET = 'delta-e2e-paging-secret-0123456789abcdef';

interface Round {
  items: any[];
  deltaLink: string;
  pages: number;
}

describe('delta sync of a tab’s contacts', () => {
  let api: TestApp;
  let tokens: TokenFactory;
  let owner: string;
  let reader: string;
  let foreign: string;
  let client: MongoClient;

  const call = (token: string) => callerOf(api.url, token);
  const local = (link: string) => link.slice(link.indexOf('/api/v1/'));

  beforeAll(async () => {
    api = await startTestApp('delta', {
      RATE_LIMIT_PER_USER: '1000000',
      RATE_LIMIT_PER_TENANT: '1000000',
      PAGING_TOKEN_SECRET: SECRET,
    });
    tokens = await TokenFactory.for(api);
    client = await connectTestClient();
    owner = tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adèle Vance' });
    reader = tokens.mint({ tenantId: TENANT_1, userId: READER, name: 'Lee Gu' });
    foreign = tokens.mint({ tenantId: TENANT_2, userId: USER_B, name: 'Other Tenant' });
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  async function createTab(token = owner, name = 'Suppliers'): Promise<string> {
    const res = await call(token).post('/api/v1/tabs', {
      channelId: '19:delta@thread.tacv2',
      channelName: 'Sales',
      displayName: name,
      customFields: [{ key: 'rating', label: 'Rating', type: 'number' }],
      permissions: { contactEditors: 'owners' },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function createContact(tabId: string, givenName: string): Promise<any> {
    const res = await call(owner).post(`/api/v1/tabs/${tabId}/contacts?allowDuplicate=true`, {
      givenName,
      surname: 'Delta',
      emailAddresses: [{ address: `${givenName.toLowerCase()}@contoso.com` }],
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  /** Follows a round's next links to its delta link. */
  async function round(path: string, token = owner): Promise<Round> {
    const items: any[] = [];
    let pages = 0;
    for (let link = path; ;) {
      const res = await call(token).get(link);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      pages++;
      items.push(...res.body.value);
      if (res.body['@odata.deltaLink']) {
        expect(res.body['@odata.nextLink']).toBeUndefined();
        return { items, deltaLink: local(res.body['@odata.deltaLink']), pages };
      }
      link = local(res.body['@odata.nextLink']);
      expect(pages).toBeLessThan(1000);
    }
  }

  it('pages through every contact in the first round and ends with a delta link', async () => {
    const tabId = await createTab();
    const created = [];
    for (const name of ['Ann', 'Bob', 'Cid', 'Dan', 'Eve']) created.push(await createContact(tabId, name));

    const first = await call(owner).get(`/api/v1/tabs/${tabId}/contacts/delta?$top=2`);
    expect(first.status).toBe(200);
    expect(first.body['@odata.context']).toMatch(/\/api\/v1\/\$metadata#contacts\/\$delta$/);
    expect(first.body.value).toHaveLength(2);
    expect(first.body['@odata.nextLink']).toContain('$skiptoken=');

    const all = await round(`/api/v1/tabs/${tabId}/contacts/delta?$top=2`);
    expect(all.pages).toBe(3);
    expect(all.items.map((contact) => contact.id).sort()).toEqual(created.map((c) => c.id).sort());
    expect(all.items[0]).toEqual(created.find((c) => c.id === all.items[0].id));

    // Nothing changed: an empty round and a new link.
    const again = await round(all.deltaLink);
    expect(again.items).toEqual([]);
    expect(again.deltaLink).toContain('$deltatoken=');
  });

  it('returns what was created, changed, marked and deleted since, and nothing else', async () => {
    const tabId = await createTab();
    const kept = await createContact(tabId, 'Kept');
    const changed = await createContact(tabId, 'Changed');
    const deleted = await createContact(tabId, 'Deleted');
    const marked = await createContact(tabId, 'Marked');
    const start = await round(`/api/v1/tabs/${tabId}/contacts/delta`);
    expect(start.items).toHaveLength(4);

    const added = await createContact(tabId, 'Added');
    const patch = await call(owner)
      .patch(`/api/v1/tabs/${tabId}/contacts/${changed.id}`, { jobTitle: 'Buyer' })
      .expect(200);
    await call(owner).delete(`/api/v1/tabs/${tabId}/contacts/${deleted.id}`).expect(204);
    await call(owner).put(`/api/v1/tabs/${tabId}/contacts/${marked.id}/favorite`).expect(204);

    const next = await round(start.deltaLink);
    const byId = new Map(next.items.map((item) => [item.id, item]));
    expect(byId.size).toBe(4);
    expect(byId.get(added.id)).toEqual(added);
    expect(byId.get(changed.id)).toEqual(patch.body);
    expect(byId.get(deleted.id)).toEqual({ id: deleted.id, '@removed': { reason: 'deleted' } });
    expect(byId.get(marked.id)).toMatchObject({ id: marked.id, isFavorite: true });
    expect(byId.has(kept.id)).toBe(false);

    // A reader follows the same sync (reading is everyone's right), and sees its own favourites.
    const readerView = await round(`/api/v1/tabs/${tabId}/contacts/delta`, reader);
    expect(readerView.items.find((item) => item.id === marked.id).isFavorite).toBe(false);

    // Refused changes are not changes: a stale If-Match delete and a readers' write leave nothing.
    await call(owner)
      .delete(`/api/v1/tabs/${tabId}/contacts/${kept.id}`)
      .set('if-match', 'W/"7"')
      .expect(412);
    await call(reader).patch(`/api/v1/tabs/${tabId}/contacts/${kept.id}`, { jobTitle: 'x' }).expect(403);
    const quiet = await round(next.deltaLink);
    expect(quiet.items).toEqual([]);
  });

  it('honours $select in every round, carried by its links', async () => {
    const tabId = await createTab();
    const contact = await createContact(tabId, 'Selma');
    const first = await round(`/api/v1/tabs/${tabId}/contacts/delta?$select=displayName,customFields/rating`);
    expect(first.items).toEqual([
      { id: contact.id, displayName: 'Selma Delta', customFields: {}, '@odata.etag': 'W/"1"' },
    ]);
    await call(owner)
      .patch(`/api/v1/tabs/${tabId}/contacts/${contact.id}`, { customFields: { rating: 5 } })
      .expect(200);
    const second = await round(first.deltaLink);
    expect(second.items).toEqual([
      { id: contact.id, displayName: 'Selma Delta', customFields: { rating: 5 }, '@odata.etag': 'W/"2"' },
    ]);
  });

  it('loses no change while writers create, change and delete during the rounds', async () => {
    const tabId = await createTab();
    const path = `/api/v1/tabs/${tabId}/contacts`;
    for (let i = 0; i < 12; i++) await createContact(tabId, `Seed${i}`);

    let writing = true;
    let writes = 0;
    const writer = async (worker: number) => {
      for (let n = 0; writing; n++) {
        const created = await createContact(tabId, `W${worker}x${n}`);
        await call(owner)
          .patch(`${path}/${created.id}`, { jobTitle: `v${n}` })
          .expect(200);
        if (n % 3 === 0) await call(owner).delete(`${path}/${created.id}`).expect(204);
        writes++;
      }
    };
    // What the client knows: id -> etag, rebuilt only from delta responses.
    const known = new Map<string, string>();
    const apply = (items: any[]) => {
      for (const item of items) {
        if (item['@removed']) known.delete(item.id);
        else known.set(item.id, item['@odata.etag']);
      }
    };

    const writers = [writer(1), writer(2), writer(3)];
    let current = await round(`${path}/delta?$top=3`);
    apply(current.items);
    for (let i = 0; i < 20; i++) {
      current = await round(current.deltaLink);
      apply(current.items);
    }
    writing = false;
    await Promise.all(writers);
    current = await round(current.deltaLink);
    apply(current.items);
    expect(writes).toBeGreaterThan(5);

    const stored = await client
      .db(api.dbName)
      .collection('contacts')
      .find({ tabId }, { projection: { version: 1 } })
      .toArray();
    const truth = new Map(stored.map((contact) => [String(contact._id), `W/"${contact.version}"`]));
    expect(new Map([...known].sort())).toEqual(new Map([...truth].sort()));
  });

  it('refuses tampered, foreign and mixed tokens, and options delta does not support', async () => {
    const tabId = await createTab();
    const otherTabId = await createTab(owner, 'Other');
    await createContact(tabId, 'Tom');
    const { deltaLink } = await round(`/api/v1/tabs/${tabId}/contacts/delta`);
    const token = decodeURIComponent(deltaLink.split('$deltatoken=')[1]);
    const path = `/api/v1/tabs/${tabId}/contacts/delta`;

    const expect400 = async (url: string, target: string) => {
      const res = await call(owner).get(url);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'BadRequest', target });
      expect(res.body.error.innererror['request-id']).toBeTruthy();
    };
    const [body, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), w: 0 }),
    ).toString('base64url');
    await expect400(`${path}?$deltatoken=${forged}.${signature}`, '$deltatoken');
    await expect400(`${path}?$deltatoken=garbage`, '$deltatoken');
    await expect400(`${path}?$skiptoken=${encodeURIComponent(token)}`, '$skiptoken');
    await expect400(
      `/api/v1/tabs/${otherTabId}/contacts/delta?$deltatoken=${encodeURIComponent(token)}`,
      '$deltatoken',
    );
    await expect400(`${path}?$deltatoken=${encodeURIComponent(token)}&$select=displayName`, '$select');
    await expect400(`${path}?$deltatoken=${encodeURIComponent(token)}&$skiptoken=x`, '$deltatoken');
    await expect400(`${path}?$filter=surname eq 'x'`, '$filter');
    await expect400(`${path}?$orderby=displayName`, '$orderby');
    await expect400(`${path}?$top=0`, '$top');
    await expect400(`${path}?$top=1000`, '$top');
    await expect400(`${path}?$select=nope`, '$select');
    await expect400(`/api/v1/tabs/${tabId}/contacts?$deltatoken=${encodeURIComponent(token)}`, '$deltatoken');

    // Another tenant: the tab does not exist for it, token or not.
    const res = await call(foreign).get(`${local(deltaLink)}`);
    expect(res.status).toBe(404);
    // The same token on the foreign tenant's own tab is refused as issued elsewhere.
    const foreignTab = await createTab(foreign, 'Theirs');
    const misused = await call(foreign).get(
      `/api/v1/tabs/${foreignTab}/contacts/delta?$deltatoken=${encodeURIComponent(token)}`,
    );
    expect(misused.status).toBe(400);
    expect(misused.body.error.target).toBe('$deltatoken');
  });

  it('answers 410 Gone to a delta link older than the retention period, and purges old tombstones', async () => {
    const shortLived = await startTestApp('delta', {
      MONGODB_DB_NAME: api.dbName,
      PAGING_TOKEN_SECRET: SECRET,
      DELTA_RETENTION_SECONDS: '1',
    });
    try {
      const tabId = await createTab();
      const doomed = await createContact(tabId, 'Gone');
      const shortTokens = await TokenFactory.for(shortLived);
      const shortOwner = shortTokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adèle Vance' });
      const get = (path: string) =>
        request(shortLived.url).get(path).set('authorization', `Bearer ${shortOwner}`);

      const first = await get(`/api/v1/tabs/${tabId}/contacts/delta`).expect(200);
      const link = local(first.body['@odata.deltaLink']);
      await call(owner).delete(`/api/v1/tabs/${tabId}/contacts/${doomed.id}`).expect(204);
      const tombstones = () =>
        client.db(api.dbName).collection('contactTombstones').countDocuments({ tabId });
      expect(await tombstones()).toBe(1);

      await new Promise((resolve) => setTimeout(resolve, 1500));
      const gone = await get(link);
      expect(gone.status).toBe(410);
      expect(gone.body.error).toMatchObject({ code: 'ResyncRequired', target: '$deltatoken' });

      // Starting over works; the deletion is older than retention (plus the write allowance) only later,
      // so it is still kept: purging never outruns what a valid link may need.
      const restart = await get(`/api/v1/tabs/${tabId}/contacts/delta`).expect(200);
      expect(restart.body.value).toEqual([]);
      expect(await tombstones()).toBe(1);
    } finally {
      await shortLived.close();
    }
  });

  it('forgets a deleted tab’s change sequence and tombstones', async () => {
    const tabId = await createTab();
    const contact = await createContact(tabId, 'Temp');
    await call(owner).delete(`/api/v1/tabs/${tabId}/contacts/${contact.id}`).expect(204);
    const db = client.db(api.dbName);
    expect(await db.collection('contactTombstones').countDocuments({ tabId })).toBe(1);
    expect(await db.collection('contactChangeSequences').countDocuments({ tabId })).toBe(1);
    await call(owner).delete(`/api/v1/tabs/${tabId}`).expect(204);
    expect(await db.collection('contactTombstones').countDocuments({ tabId })).toBe(0);
    expect(await db.collection('contactChangeSequences').countDocuments({ tabId })).toBe(0);
    await call(owner).get(`/api/v1/tabs/${tabId}/contacts/delta`).expect(404);
  });

  it('leaves no reservation pending once the writes are done', async () => {
    const tabId = await createTab();
    await Promise.all(Array.from({ length: 10 }, (_, i) => createContact(tabId, `Par${i}`)));
    const sequence = await client.db(api.dbName).collection('contactChangeSequences').findOne({ tabId });
    expect(sequence?.last).toBe(10);
    expect(Object.keys(sequence?.pending ?? {})).toEqual([]);
    const seqs = await client
      .db(api.dbName)
      .collection('contacts')
      .find({ tabId })
      .map((contact) => contact.changeSeq as number)
      .toArray();
    expect(seqs.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
