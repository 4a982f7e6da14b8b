import type { ContainerClient } from '@azure/storage-blob';
import { getConnectionToken } from '@nestjs/mongoose';
import type { MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { GLOBAL_MODELS } from '../src/admin/global-models';
import { TenantDataService } from '../src/admin/tenant-data.service';
import { isTenantScoped } from '../src/common/persistence/tenant-scope';
import { startTestApp, TestApp } from './support/app';
import { connectTestClient } from './support/database';
import { pngImage } from './support/photo-fixtures';
import { blobNames, photoContainer } from './support/photo-storage';
import { bearer, TENANT_1, TENANT_2, TokenFactory, USER_A, USER_B } from './support/tokens';

const ADMIN_1 = 'eeeeeeee-0000-4000-8000-000000000005';
const ADMIN_2 = 'ffffffff-0000-4000-8000-000000000006';
const PURGE = '/api/v1/admin/tenant-data';

type Snapshot = Record<string, unknown[]>;

describe('tenant offboarding (DELETE /api/v1/admin/tenant-data)', () => {
  let api: TestApp;
  let tokens: TokenFactory;
  let client: MongoClient;
  let connection: Connection;
  let photos: ContainerClient;
  let as: { user1: string; admin1: string; user2: string; admin2: string };

  beforeAll(async () => {
    api = await startTestApp('admin');
    tokens = await TokenFactory.for(api);
    client = await connectTestClient();
    connection = api.app.get<Connection>(getConnectionToken());
    photos = photoContainer(api.container);
    as = {
      user1: tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adele' }),
      admin1: tokens.mint({ tenantId: TENANT_1, userId: ADMIN_1, name: 'Admin 1', admin: true }),
      user2: tokens.mint({ tenantId: TENANT_2, userId: USER_B, name: 'Other' }),
      admin2: tokens.mint({ tenantId: TENANT_2, userId: ADMIN_2, name: 'Admin 2', admin: true }),
    };
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  const tenantScopedCollections = (): string[] =>
    [
      ...new Set(
        Object.values(connection.models)
          .filter((model) => isTenantScoped(model.schema))
          .map((model) => model.collection.collectionName),
      ),
    ].sort();

  async function snapshot(tenantId: string): Promise<Snapshot> {
    const result: Snapshot = {};
    for (const name of tenantScopedCollections()) {
      result[name] = await client
        .db(api.dbName)
        .collection(name)
        .find({ tenantId })
        .sort({ _id: 1 })
        .toArray();
    }
    return result;
  }

  /** Data of one tenant through the API (users, channels, tabs), plus a raw document in every collection. */
  async function seed(tenantId: string, user: string, admin: string, marker: string): Promise<void> {
    for (const token of [user, admin]) {
      await request(api.url).get('/api/v1/me').set('authorization', bearer(token)).expect(200);
    }
    for (let i = 0; i < 3; i++) {
      await request(api.url)
        .post('/api/v1/tabs')
        .set('authorization', bearer(user))
        .send({
          channelId: `19:${marker}${i}@thread.tacv2`,
          channelName: `${marker} channel ${i}`,
          displayName: `${marker} tab ${i}`,
        })
        .expect(201);
    }
    // A contact with a photo: its blobs go with the tenant.
    const tabs = await request(api.url).get('/api/v1/tabs').set('authorization', bearer(user)).expect(200);
    const tabId = tabs.body.value[0].id;
    const contact = await request(api.url)
      .post(`/api/v1/tabs/${tabId}/contacts`)
      .set('authorization', bearer(user))
      .send({ displayName: `${marker} contact` })
      .expect(201);
    await request(api.url)
      .put(`/api/v1/tabs/${tabId}/contacts/${contact.body.id}/photo/$value`)
      .set('authorization', bearer(user))
      .set('content-type', 'image/png')
      .send(await pngImage(64, 64))
      .expect(200);
    // Collections no route of this test writes (contacts, favourites, jobs, ...) get a document too, so
    // the purge is seen to reach every tenant-owned collection.
    for (const name of tenantScopedCollections()) {
      await client
        .db(api.dbName)
        .collection<{ _id: string; tenantId: string }>(name)
        .insertOne({ _id: `raw-${marker}`, tenantId })
        .catch(() => undefined);
    }
  }

  beforeAll(async () => {
    await seed(TENANT_1, as.user1, as.admin1, 'alpha');
    await seed(TENANT_2, as.user2, as.admin2, 'bravo');
  });

  it('registers only models that are tenant-scoped or explicitly global', () => {
    const unlisted = Object.values(connection.models)
      .filter((model) => !isTenantScoped(model.schema) && !GLOBAL_MODELS.has(model.modelName))
      .map((model) => model.modelName);
    expect(unlisted).toEqual([]);
    expect(api.app.get(TenantDataService).unscopedModels()).toEqual([]);
    expect(tenantScopedCollections()).toEqual(expect.arrayContaining(['channels', 'tabs', 'users']));
  });

  it('needs a token (401), an administrator (403), and the confirmation header (428, 400)', async () => {
    const none = await request(api.url).delete(PURGE);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /);

    const member = await request(api.url)
      .delete(PURGE)
      .set('authorization', bearer(as.user1))
      .set('x-confirm-tenant-id', TENANT_1);
    expect(member.status).toBe(403);

    const unconfirmed = await request(api.url).delete(PURGE).set('authorization', bearer(as.admin1));
    expect(unconfirmed.status).toBe(428);
    expect(unconfirmed.body.error).toMatchObject({
      code: 'PreconditionRequired',
      target: 'X-Confirm-Tenant-Id',
    });

    // Another tenant's id (the other tenant's administrator cannot aim at tenant 1 either).
    const wrong = await request(api.url)
      .delete(PURGE)
      .set('authorization', bearer(as.admin2))
      .set('x-confirm-tenant-id', TENANT_1);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.target).toBe('X-Confirm-Tenant-Id');

    // Nothing was removed by the refused calls.
    const t1 = await snapshot(TENANT_1);
    expect(t1.tabs).toHaveLength(4);
  });

  it("removes every document of the caller's tenant, returns the counts, and leaves tenant 2 identical", async () => {
    const before1 = await snapshot(TENANT_1);
    const before2 = await snapshot(TENANT_2);
    const blobs1 = await blobNames(photos, `${TENANT_1}/`);
    const blobs2 = await blobNames(photos, `${TENANT_2}/`);
    expect(blobs1.length).toBeGreaterThan(0);
    expect(blobs2.length).toBeGreaterThan(0);
    const tab = before1.tabs.find((doc) => !String((doc as { _id: string })._id).startsWith('raw-')) as {
      _id: string;
    };
    // Warm the caches of tenant 1 (tab configuration, login and profile).
    await request(api.url).get(`/api/v1/tabs/${tab._id}`).set('authorization', bearer(as.user1)).expect(200);
    const profileBefore = await request(api.url).get('/api/v1/me').set('authorization', bearer(as.user1));

    const res = await request(api.url)
      .delete(PURGE)
      .set('authorization', bearer(as.admin1))
      .set('x-confirm-tenant-id', TENANT_1.toUpperCase());
    expect(res.status).toBe(200);
    const expected = Object.fromEntries(Object.entries(before1).map(([name, docs]) => [name, docs.length]));
    expect(res.body).toEqual({
      tenantId: TENANT_1,
      deletedDocuments: expected,
      totalDeleted: Object.values(expected).reduce((sum, n) => sum + n, 0),
      deletedBlobs: { contactPhotos: blobs1.length },
    });
    expect(await blobNames(photos, `${TENANT_1}/`)).toEqual([]);
    expect(await blobNames(photos, `${TENANT_2}/`)).toEqual(blobs2);
    expect(res.body.deletedDocuments.tabs).toBe(4);

    const after1 = await snapshot(TENANT_1);
    for (const docs of Object.values(after1)) expect(docs).toEqual([]);
    expect(await snapshot(TENANT_2)).toEqual(before2);

    // The in-process caches forgot tenant 1: its tab is gone at once, and the next request signs in anew.
    await request(api.url).get(`/api/v1/tabs/${tab._id}`).set('authorization', bearer(as.user1)).expect(404);
    const profileAfter = await request(api.url).get('/api/v1/me').set('authorization', bearer(as.user1));
    expect(profileAfter.status).toBe(200);
    expect(new Date(profileAfter.body.createdDateTime).getTime()).toBeGreaterThan(
      new Date(profileBefore.body.createdDateTime).getTime(),
    );
    // Tenant 2 still works as before.
    const list2 = await request(api.url)
      .get('/api/v1/tabs')
      .set('authorization', bearer(as.user2))
      .expect(200);
    const ids = list2.body.value.map((tab: { id: string }) => tab.id);
    expect(ids.filter((id: string) => !id.startsWith('raw-'))).toHaveLength(3);
  });

  it('is harmless to repeat', async () => {
    const again = await request(api.url)
      .delete(PURGE)
      .set('authorization', bearer(as.admin1))
      .set('x-confirm-tenant-id', TENANT_1);
    expect(again.status).toBe(200);
    // Only the administrator's own profile, recreated by this very request's sign-in, remains to delete.
    expect(again.body.totalDeleted).toBeLessThanOrEqual(2);
  });
});
