import type { ContainerClient } from '@azure/storage-blob';
import type { MongoClient } from 'mongodb';
import sharp from 'sharp';
import request from 'supertest';
import { startTestApp, type TestApp } from './support/app';
import { connectTestClient } from './support/database';
import {
  animatedGif,
  HTML_PAGE,
  phoneJpeg,
  pngBombHeader,
  pngImage,
  SVG_WITH_SCRIPT,
  truncatedJpeg,
} from './support/photo-fixtures';
import { binaryBody, blobNames, photoContainer } from './support/photo-storage';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { connectionStringFor } = require('../tools/blob-emulator') as {
  connectionStringFor: (url: string) => string;
};
import { PhotoSweep } from '../src/contacts/photo/photo-sweep';
import { bearer, TENANT_1, TENANT_2, TokenFactory, USER_A } from './support/tokens';

const READER = 'cccccccc-0000-4000-8000-000000000003';
const OTHER_TENANT_USER = 'dddddddd-0000-4000-8000-000000000004';

describe('contact photos (…/contacts/{id}/photo) against Azurite', () => {
  let api: TestApp;
  let container: ContainerClient;
  let client: MongoClient;
  let as: { owner: string; reader: string; other: string };
  let tabId: string;

  const auth = (token: string) => ({ authorization: bearer(token) });
  const photoPath = (contactId: string, tab = tabId) => `/api/v1/tabs/${tab}/contacts/${contactId}/photo`;

  async function newContact(
    name: string,
    tab = tabId,
    token = as.owner,
  ): Promise<{ id: string; etag: string }> {
    const response = await request(api.url)
      .post(`/api/v1/tabs/${tab}/contacts`)
      .set(auth(token))
      .send({ displayName: name })
      .expect(201);
    return { id: response.body.id, etag: response.headers.etag };
  }

  function put(contactId: string, body: Buffer, type: string, token = as.owner) {
    return request(api.url)
      .put(`${photoPath(contactId)}/$value`)
      .set(auth(token))
      .set('content-type', type)
      .send(body);
  }

  beforeAll(async () => {
    api = await startTestApp('photos');
    container = photoContainer(api.container);
    client = await connectTestClient();
    const tokens = await TokenFactory.for(api);
    as = {
      owner: tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Owner' }),
      reader: tokens.mint({ tenantId: TENANT_1, userId: READER, name: 'Reader' }),
      other: tokens.mint({ tenantId: TENANT_2, userId: OTHER_TENANT_USER, name: 'Other' }),
    };
    const tab = await request(api.url)
      .post('/api/v1/tabs')
      .set(auth(as.owner))
      .send({
        channelId: '19:photos@thread.tacv2',
        channelName: 'Photos',
        displayName: 'Suppliers',
        permissions: { contactEditors: 'owners' },
      })
      .expect(201);
    tabId = tab.body.id;
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  it('creates the container at start and says so in readiness', async () => {
    expect(await container.exists()).toBe(true);
    const ready = await request(api.url).get('/health/ready').expect(200);
    expect(ready.body.info.blobStorage.status).toBe('up');
  });

  it('stores a phone JPEG upright, without EXIF, with its sizes, and serves it never cached', async () => {
    const contact = await newContact('Adele Vance');
    const input = await phoneJpeg(800, 600);
    const uploaded = await put(contact.id, input, 'image/jpeg').set('if-match', contact.etag).expect(200);
    expect(uploaded.body).toMatchObject({
      id: 'default',
      width: 600,
      height: 800,
      '@odata.mediaContentType': 'image/jpeg',
    });

    const names = await blobNames(container, `${TENANT_1}/${tabId}/${contact.id}/`);
    expect(names.map((name) => name.split('/').slice(-1)[0]).sort()).toEqual(
      ['default', '48x48', '64x64', '96x96', '120x120', '240x240', '360x360', '432x432', '504x504'].sort(),
    );

    const meta = await request(api.url).get(photoPath(contact.id)).set(auth(as.reader)).expect(200);
    expect(meta.body).toMatchObject({
      id: 'default',
      width: 600,
      height: 800,
      '@odata.mediaContentType': 'image/jpeg',
    });

    const value = await request(api.url)
      .get(`${photoPath(contact.id)}/$value`)
      .set(auth(as.reader))
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    expect(value.headers['content-type']).toBe('image/jpeg');
    expect(value.headers['cache-control']).toBe('private, no-store');
    expect(value.headers.etag).toBe(uploaded.body['@odata.mediaEtag']);
    const stored = await sharp(value.body as Buffer).metadata();
    expect({ width: stored.width, height: stored.height, exif: stored.exif }).toEqual({
      width: 600,
      height: 800,
      exif: undefined,
    });
    expect((value.body as Buffer).includes(Buffer.from('Contoso'))).toBe(false);

    const square = await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/${contact.id}/photos/96x96/$value`)
      .set(auth(as.reader))
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    expect(square.headers['cache-control']).toBe('private, no-store');
    const squareMeta = await sharp(square.body as Buffer).metadata();
    expect([squareMeta.width, squareMeta.height]).toEqual([96, 96]);

    // 648x648 is larger than the photo's shorter side: not made. 50x50 is no Graph size.
    await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/${contact.id}/photos/648x648/$value`)
      .set(auth(as.reader))
      .expect(404);
    await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/${contact.id}/photos/50x50/$value`)
      .set(auth(as.reader))
      .expect(404);
  });

  it('shows the photo on the contact and in lists; the contact ETag changes, so delta reports it', async () => {
    const contact = await newContact('Bianca Pisani');
    const first = await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/delta`)
      .set(auth(as.owner))
      .expect(200);
    let link: string = first.body['@odata.deltaLink'];
    while (!link) {
      const next = await request(api.url)
        .get(first.body['@odata.nextLink'].replace(/^https?:\/\/[^/]+/, ''))
        .set(auth(as.owner));
      link = next.body['@odata.deltaLink'];
    }
    const before = await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/${contact.id}`)
      .set(auth(as.owner))
      .expect(200);
    expect(before.body.photo).toBeNull();
    const uploaded = await put(contact.id, await pngImage(120, 120), 'image/png').expect(200);

    const after = await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/${contact.id}`)
      .set(auth(as.owner))
      .expect(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.body.photo).toEqual(uploaded.body);
    const list = await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts`)
      .query({ $select: 'displayName,photo', $filter: "displayName eq 'Bianca Pisani'" })
      .set(auth(as.owner))
      .expect(200);
    expect(list.body.value[0].photo).toEqual(uploaded.body);
    await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts`)
      .query({ $filter: 'photo ne null' })
      .set(auth(as.owner))
      .expect(400);

    const delta = await request(api.url)
      .get(link.replace(/^https?:\/\/[^/]+/, ''))
      .set(auth(as.owner))
      .expect(200);
    expect(delta.body.value.map((entry: { id: string }) => entry.id)).toContain(contact.id);

    await request(api.url)
      .delete(`${photoPath(contact.id)}/$value`)
      .set(auth(as.owner))
      .expect(204);
    const removed = await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/${contact.id}`)
      .set(auth(as.owner))
      .expect(200);
    expect(removed.body.photo).toBeNull();
    expect(removed.headers.etag).not.toBe(after.headers.etag);
    expect(await blobNames(container, `${TENANT_1}/${tabId}/${contact.id}/`)).toEqual([]);
    const missing = await request(api.url).get(photoPath(contact.id)).set(auth(as.owner)).expect(404);
    expect(missing.body.error).toMatchObject({ code: 'NotFound', target: 'photo' });
    await request(api.url)
      .get(`${photoPath(contact.id)}/$value`)
      .set(auth(as.owner))
      .expect(404);
    await request(api.url)
      .delete(`${photoPath(contact.id)}/$value`)
      .set(auth(as.owner))
      .expect(404);
  });

  it('replaces a photo: new blobs first, then the contact, then the old blobs go', async () => {
    const contact = await newContact('Cameron White');
    const first = await put(contact.id, await pngImage(64, 64), 'image/png').expect(200);
    const firstNames = await blobNames(container, `${TENANT_1}/${tabId}/${contact.id}/`);
    const second = await put(contact.id, await phoneJpeg(100, 100), 'image/jpeg').expect(200);
    expect(second.body['@odata.mediaEtag']).not.toBe(first.body['@odata.mediaEtag']);
    const secondNames = await blobNames(container, `${TENANT_1}/${tabId}/${contact.id}/`);
    expect(secondNames.some((name) => firstNames.includes(name))).toBe(false);
    expect(secondNames.length).toBe(4); // default, 48, 64, 96
  });

  it('answers a stale If-Match with 412 and stores nothing', async () => {
    const contact = await newContact('Diego Siciliani');
    await request(api.url)
      .patch(`/api/v1/tabs/${tabId}/contacts/${contact.id}`)
      .set(auth(as.owner))
      .send({ jobTitle: 'Buyer' })
      .expect(200);
    const before = await blobNames(container);
    const stale = await put(contact.id, await pngImage(64, 64), 'image/png')
      .set('if-match', contact.etag)
      .expect(412);
    expect(stale.body.error.code).toBe('PreconditionFailed');
    expect(await blobNames(container)).toEqual(before);
  });

  describe('bad input: a clear 4xx in the error body, nothing stored, the container unchanged', () => {
    let contactId: string;
    let otherTenantContact: string;
    beforeAll(async () => {
      contactId = (await newContact('Target')).id;
      const otherTab = await request(api.url)
        .post('/api/v1/tabs')
        .set(auth(as.other))
        .send({ channelId: '19:other@thread.tacv2', channelName: 'Other', displayName: 'Other' })
        .expect(201);
      otherTenantContact = (await newContact('Theirs', otherTab.body.id, as.other)).id;
    });

    interface BadUpload {
      name: string;
      make: () => Promise<Buffer>;
      type: string;
      status: number;
      token?: () => string;
      target?: () => string;
    }
    const png = () => pngImage(32, 32);
    const cases: BadUpload[] = [
      { name: 'a 0-byte body', make: async () => Buffer.alloc(0), type: 'image/png', status: 400 },
      {
        name: '4 MiB + 1',
        make: async () => Buffer.alloc(4 * 1024 * 1024 + 1, 0xff),
        type: 'image/jpeg',
        status: 413,
      },
      {
        name: 'a PNG with a 60 000 x 60 000 header',
        make: async () => pngBombHeader(),
        type: 'image/png',
        status: 400,
      },
      { name: 'a JPEG truncated at half', make: truncatedJpeg, type: 'image/jpeg', status: 400 },
      { name: 'an SVG', make: async () => SVG_WITH_SCRIPT, type: 'image/svg+xml', status: 415 },
      { name: 'an SVG posing as a PNG', make: async () => SVG_WITH_SCRIPT, type: 'image/png', status: 415 },
      { name: 'HTML posing as image/png', make: async () => HTML_PAGE, type: 'image/png', status: 415 },
      { name: 'HTML as text/html', make: async () => HTML_PAGE, type: 'text/html', status: 415 },
      { name: 'a PNG sent as image/jpeg', make: png, type: 'image/jpeg', status: 415 },
      { name: 'a GIF of 500 frames', make: () => animatedGif(500, 8), type: 'image/gif', status: 400 },
      {
        name: 'a photo for a tab the caller may only read',
        make: png,
        type: 'image/png',
        status: 403,
        token: () => as.reader,
      },
      {
        name: "a photo for another tenant's contact",
        make: png,
        type: 'image/png',
        status: 404,
        target: () => otherTenantContact,
      },
    ];

    it.each(cases)('refuses $name', async ({ make, type, status, token, target }) => {
      const before = await blobNames(container);
      const contact = target ? target() : contactId;
      const response = await put(contact, await make(), type, token ? token() : as.owner);
      expect(response.status).toBe(status);
      expect(response.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(await blobNames(container)).toEqual(before);
      const stored = await client
        .db(api.dbName)
        .collection('contacts')
        .findOne({ _id: contact as never });
      expect(stored?.photo).toBeUndefined();
    });

    it('refuses an image body on a JSON route', async () => {
      const response = await request(api.url)
        .post(`/api/v1/tabs/${tabId}/contacts`)
        .set(auth(as.owner))
        .set('content-type', 'image/png')
        .send(await pngImage(16, 16))
        .expect(415);
      expect(response.body.error.code).toBe('UnsupportedMediaType');
    });
  });

  it('deletes the photos with their contact and with their tab', async () => {
    const contact = await newContact('Enrico Cattaneo');
    await put(contact.id, await pngImage(64, 64), 'image/png').expect(200);
    await request(api.url)
      .delete(`/api/v1/tabs/${tabId}/contacts/${contact.id}`)
      .set(auth(as.owner))
      .expect(204);
    expect(await blobNames(container, `${TENANT_1}/${tabId}/${contact.id}/`)).toEqual([]);

    const tab = await request(api.url)
      .post('/api/v1/tabs')
      .set(auth(as.owner))
      .send({ channelId: '19:photos@thread.tacv2', channelName: 'Photos', displayName: 'Short-lived' })
      .expect(201);
    const inTab = await newContact('Grady Archie', tab.body.id);
    await request(api.url)
      .put(`/api/v1/tabs/${tab.body.id}/contacts/${inTab.id}/photo/$value`)
      .set(auth(as.owner))
      .set('content-type', 'image/png')
      .send(await pngImage(64, 64))
      .expect(200);
    expect((await blobNames(container, `${TENANT_1}/${tab.body.id}/`)).length).toBeGreaterThan(0);
    await request(api.url).delete(`/api/v1/tabs/${tab.body.id}`).set(auth(as.owner)).expect(204);
    expect(await blobNames(container, `${TENANT_1}/${tab.body.id}/`)).toEqual([]);
  });

  it('sweeps blobs no contact points to, once past the grace period, and keeps those it points to', async () => {
    const contact = await newContact('Henrietta Mueller');
    await put(contact.id, await pngImage(64, 64), 'image/png').expect(200);
    const kept = await blobNames(container, `${TENANT_1}/${tabId}/${contact.id}/`);
    // What a crash between the two steps of an upload leaves: blobs of a version no contact points to.
    const orphans = [
      `${TENANT_1}/${tabId}/${contact.id}/00000000-0000-4000-8000-000000000000/default`,
      `${TENANT_1}/${tabId}/99999999-0000-4000-8000-000000000009/00000000-0000-4000-8000-000000000000/48x48`,
    ];
    for (const name of orphans) await container.getBlockBlobClient(name).uploadData(Buffer.from('x'));
    const sweep = api.app.get(PhotoSweep);

    expect(await sweep.sweep()).toBe(0); // within the grace period: an upload may be in flight
    expect(await blobNames(container)).toEqual(expect.arrayContaining(orphans));

    const later = new Date(Date.now() + 2 * 3600 * 1000);
    expect(await sweep.sweep(later)).toBe(2);
    const after = await blobNames(container);
    for (const name of orphans) expect(after).not.toContain(name);
    expect(after).toEqual(expect.arrayContaining(kept));
  });

  it('answers 503 with Retry-After on the photo routes only when the storage is unreachable', async () => {
    const contact = await newContact('Isaiah Langer');
    await put(contact.id, await pngImage(64, 64), 'image/png').expect(200);
    const unreachable = await startTestApp('photosdown', {
      MONGODB_DB_NAME: api.dbName,
      AZURE_STORAGE_CONNECTION_STRING: connectionStringFor('http://127.0.0.1:1'),
      AZURE_STORAGE_TIMEOUT_MS: '500',
    });
    try {
      const tokens = await TokenFactory.for(unreachable);
      const token = tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Owner' });
      const base = `/api/v1/tabs/${tabId}/contacts/${contact.id}`;
      for (const call of [
        request(unreachable.url).get(`${base}/photo/$value`).set(auth(token)),
        request(unreachable.url).get(`${base}/photos/48x48/$value`).set(auth(token)),
        request(unreachable.url)
          .put(`${base}/photo/$value`)
          .set(auth(token))
          .set('content-type', 'image/png')
          .send(await pngImage(64, 64)),
      ]) {
        const response = await call;
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.body.error.code).toBe('ServiceUnavailable');
      }
      // Everything else keeps working: the photo's metadata is in the contact.
      await request(unreachable.url).get(`${base}/photo`).set(auth(token)).expect(200);
      await request(unreachable.url).get(`/api/v1/tabs/${tabId}/contacts`).set(auth(token)).expect(200);
      await request(unreachable.url).patch(base).set(auth(token)).send({ jobTitle: 'Buyer' }).expect(200);
      const ready = await request(unreachable.url).get('/health/ready').expect(503);
      expect(ready.body.error.blobStorage.status).toBe('down');
    } finally {
      await unreachable.close();
    }
    // The failed upload left the contact pointing at its photo, which is still whole.
    const photo = await request(api.url)
      .get(`${photoPath(contact.id)}/$value`)
      .set(auth(as.owner));
    expect(photo.status).toBe(200);
  });
});
