import type { ContainerClient } from '@azure/storage-blob';
import sharp from 'sharp';
import request from 'supertest';
import { startTestApp, type TestApp } from './support/app';
import { phoneJpeg, pngImage, SVG_WITH_SCRIPT } from './support/photo-fixtures';
import { binaryBody, blobNames, photoContainer } from './support/photo-storage';
import { bearer, TENANT_1, TokenFactory, USER_A } from './support/tokens';

describe('contact photos in vCard import and export', () => {
  let api: TestApp;
  let container: ContainerClient;
  let owner: string;
  const auth = () => ({ authorization: bearer(owner) });

  async function createTab(name: string): Promise<string> {
    const res = await request(api.url)
      .post('/api/v1/tabs')
      .set(auth())
      .send({ channelId: '19:vcard@thread.tacv2', channelName: 'vCard', displayName: name })
      .expect(201);
    return res.body.id;
  }

  async function importFile(tabId: string, file: Buffer, fileName: string) {
    const res = await request(api.url)
      .post(`/api/v1/tabs/${tabId}/contacts/import`)
      .set(auth())
      .attach('file', file, fileName);
    expect(res.status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const job = (await request(api.url).get(`/api/v1/jobs/${res.body.id}`).set(auth()).expect(200)).body;
      if (job.status === 'succeeded' || job.status === 'failed') return job;
      if (Date.now() > deadline) throw new Error(`import job still ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function contactsOf(
    tabId: string,
  ): Promise<Array<{ id: string; displayName: string; photo: unknown }>> {
    const res = await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts`)
      .query({ $orderby: 'displayName' })
      .set(auth())
      .expect(200);
    return res.body.value;
  }

  async function squarePixels(tabId: string, contactId: string): Promise<Buffer> {
    const res = await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/${contactId}/photos/96x96/$value`)
      .set(auth())
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    return sharp(res.body as Buffer)
      .raw()
      .toBuffer();
  }

  beforeAll(async () => {
    api = await startTestApp('photosvcard', { JOB_POLL_INTERVAL_MS: '100' });
    container = photoContainer(api.container);
    owner = (await TokenFactory.for(api)).mint({ tenantId: TENANT_1, userId: USER_A, name: 'Owner' });
  });
  afterAll(() => api.close());

  it('exports a photo in the vCard and imports it into another tab: the same pixels at 96x96', async () => {
    const source = await createTab('Source');
    const ids: string[] = [];
    for (const [name, photo, type] of [
      ['Alex Wilber', await pngImage(200, 160), 'image/png'],
      ['Ben Walters', await phoneJpeg(300, 300), 'image/jpeg'],
    ] as const) {
      const contact = await request(api.url)
        .post(`/api/v1/tabs/${source}/contacts`)
        .set(auth())
        .send({ displayName: name })
        .expect(201);
      ids.push(contact.body.id);
      await request(api.url)
        .put(`/api/v1/tabs/${source}/contacts/${contact.body.id}/photo/$value`)
        .set(auth())
        .set('content-type', type)
        .send(photo)
        .expect(200);
    }
    await request(api.url)
      .post(`/api/v1/tabs/${source}/contacts`)
      .set(auth())
      .send({ displayName: 'Cecil Folk' })
      .expect(201);

    const vcf = await request(api.url)
      .get(`/api/v1/tabs/${source}/contacts/export?format=vcf`)
      .set(auth())
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    const text = (vcf.body as Buffer).toString('utf8');
    expect(text.match(/^PHOTO:data:image\/png;base64,/gm)).toHaveLength(1);
    expect(text.match(/^PHOTO:data:image\/jpeg;base64,/gm)).toHaveLength(1);
    // Spreadsheets carry no photos.
    const csv = await request(api.url)
      .get(`/api/v1/tabs/${source}/contacts/export?format=csv`)
      .set(auth())
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    expect((csv.body as Buffer).toString('utf8')).not.toMatch(/photo|base64/i);

    const target = await createTab('Target');
    const job = await importFile(target, vcf.body as Buffer, 'export.vcf');
    expect(job).toMatchObject({ status: 'succeeded', errors: [] });
    expect(job.progress).toMatchObject({ created: 3, failed: 0 });
    const imported = await contactsOf(target);
    expect(imported.map((contact) => contact.photo !== null)).toEqual([true, true, false]);
    expect(imported[0].photo).toMatchObject({
      width: 200,
      height: 160,
      '@odata.mediaContentType': 'image/png',
    });
    // PNG is lossless: exactly the same pixels. A JPEG is encoded again on the way: close, not equal.
    expect((await squarePixels(target, imported[0].id)).equals(await squarePixels(source, ids[0]))).toBe(
      true,
    );
    const [before, after] = [await squarePixels(source, ids[1]), await squarePixels(target, imported[1].id)];
    const meanDifference =
      before.reduce((sum, value, i) => sum + Math.abs(value - after[i]), 0) / before.length;
    expect(meanDifference).toBeLessThan(8);
  });

  it("imports vCard 3.0's base64 PHOTO, reports the ones it refuses (URLs are never fetched) and imports those contacts without", async () => {
    const tab = await createTab('vCard 3');
    const jpeg = (await phoneJpeg(120, 120)).toString('base64');
    const svg = SVG_WITH_SCRIPT.toString('base64');
    const cards = [
      ['BEGIN:VCARD', 'VERSION:3.0', 'FN:Debra Berger', `PHOTO;ENCODING=b;TYPE=JPEG:${jpeg}`, 'END:VCARD'],
      [
        'BEGIN:VCARD',
        'VERSION:3.0',
        'FN:Emily Braun',
        'PHOTO;VALUE=uri:https://example.com/emily.jpg',
        'END:VCARD',
      ],
      [
        'BEGIN:VCARD',
        'VERSION:4.0',
        'FN:Franck Mounier',
        `PHOTO:data:image/svg+xml;base64,${svg}`,
        'END:VCARD',
      ],
      [
        'BEGIN:VCARD',
        'VERSION:4.0',
        'FN:Grace Taylor',
        'PHOTO:data:image/png;base64,@@not base64@@',
        'END:VCARD',
      ],
    ];
    const file = Buffer.from(cards.map((card) => card.join('\r\n')).join('\r\n') + '\r\n');
    const job = await importFile(tab, file, 'cards.vcf');
    expect(job.status).toBe('succeeded');
    expect(job.progress).toMatchObject({ created: 4, failed: 0 });
    expect(job.errors.map((error: { row: number; column: string }) => [error.row, error.column])).toEqual([
      [2, 'PHOTO'],
      [3, 'PHOTO'],
      [4, 'PHOTO'],
    ]);
    expect(job.errors[0].message).toMatch(/URL is not fetched/);
    expect(job.errors[1].message).toMatch(/not a JPEG, PNG, WebP or GIF/);
    const imported = await contactsOf(tab);
    expect(imported.map((contact) => [contact.displayName, contact.photo !== null])).toEqual([
      ['Debra Berger', true],
      ['Emily Braun', false],
      ['Franck Mounier', false],
      ['Grace Taylor', false],
    ]);
    const names = await blobNames(container, `${TENANT_1}/${tab}/`);
    expect(names.every((name) => name.startsWith(`${TENANT_1}/${tab}/${imported[0].id}/`))).toBe(true);
    expect(names.length).toBe(5); // default, 48, 64, 96, 120
  });
});
