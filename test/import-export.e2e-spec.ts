import ExcelJS from 'exceljs';
import type { MongoClient } from 'mongodb';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import request from 'supertest';
import { BUILT_IN_CONTACT_FIELDS } from '../src/contact-fields';
import { startTestApp, TestApp } from './support/app';
import { connectTestClient } from './support/database';
import { callerOf } from './support/http';
import { bearer, TENANT_1, TokenFactory, USER_A } from './support/tokens';

const READER = 'dddddddd-0000-4000-8000-000000000004';
const MAX_ROWS = 300;
const MAX_FILE_BYTES = 3 * 1024 * 1024;

const CUSTOM_FIELDS = [
  { key: 'industry', label: 'Secteur', type: 'choice', choices: [{ value: 'Retail' }, { value: 'Énergie' }] },
  { key: 'rating', label: 'Rating', type: 'number' },
  { key: 'account', label: 'Account', type: 'text', maxLength: 40 },
  { key: 'tags', label: 'Tags', type: 'multiChoice', choices: [{ value: 'Gold' }, { value: 'Silver' }] },
  { key: 'since', label: 'Since', type: 'date' },
  { key: 'vip', label: 'VIP', type: 'boolean' },
  { key: 'memo', label: 'Memo', type: 'multilineText' },
  { key: 'portal', label: 'Portal', type: 'url' },
];
const EVERY_FIELD = [...BUILT_IN_CONTACT_FIELDS, ...CUSTOM_FIELDS.map((field) => field.key)].map((key) => ({
  key,
  visible: true,
}));

function tabBody(displayName: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    channelId: '19:transfer@thread.tacv2',
    channelName: 'Sales',
    displayName,
    customFields: CUSTOM_FIELDS,
    categories: [
      { name: 'Supplier', color: '#00ff00' },
      { name: 'Partner', color: '#0000ff' },
      { name: 'Épicerie fine', color: '#ff0000' },
    ],
    fields: EVERY_FIELD,
    permissions: { contactEditors: 'owners' },
    ...overrides,
  };
}

/** Contacts using every kind of field. */
const CONTACTS = [
  {
    title: 'Dr.',
    givenName: 'Adèle',
    middleName: 'Marie',
    surname: 'Vance-Müller',
    nickName: 'Addy',
    companyName: 'Contoso Ltd',
    department: 'Achats',
    jobTitle: 'Buyer',
    officeLocation: 'Bâtiment 4',
    emailAddresses: [
      { address: 'adele.vance@contoso.com', name: 'Adèle Vance' },
      { address: 'adele@home.example' },
    ],
    phones: [
      { number: '+1 425 555 0100', type: 'business' },
      { number: '+1 425 555 0109', type: 'business' },
      { number: '+33 6 12 34 56 78', type: 'mobile' },
      { number: '01 23 45 67 89', type: 'home' },
      { number: '+1 425 555 0110', type: 'businessFax' },
      { number: '555 0199', type: 'other' },
    ],
    addresses: [
      {
        type: 'business',
        street: '1 Microsoft Way\nBuilding 4',
        city: 'Redmond',
        state: 'WA',
        postalCode: '98052',
        countryOrRegion: 'United States',
      },
      {
        type: 'home',
        street: '12 rue de l’Église',
        city: 'Saint-Étienne',
        postalCode: '42000',
        countryOrRegion: 'France',
      },
      { type: 'other', city: 'Zürich' },
    ],
    websites: ['https://contoso.com', 'https://example.org/adele'],
    birthday: '1984-05-17',
    notes: 'First line, with a comma; and "quotes"\nSecond line – café\n=1+2 is not a formula',
    categories: ['Supplier', 'Épicerie fine'],
    customFields: {
      industry: 'Énergie',
      rating: 4.5,
      account: '=HYPERLINK("http://evil")',
      tags: ['Gold', 'Silver'],
      since: '2019-01-31',
      vip: true,
      memo: 'Line one\nLine two',
      portal: 'https://portal.contoso.com',
    },
  },
  {
    displayName: 'Fabrikam front desk',
    companyName: 'Fabrikam',
    emailAddresses: [{ address: 'desk@fabrikam.example' }],
    phones: [{ number: '-555 0100', type: 'business' }],
    customFields: { vip: false, rating: -2 },
  },
  {
    givenName: 'Zoë',
    surname: "O'Brien",
    jobTitle: '@handle',
    categories: ['Partner'],
    customFields: { industry: 'Retail' },
  },
];

/** The parts of a contact an import gives back (what is not the contact's identity or history). */
function content(contact: any): Record<string, unknown> {
  const { id, tabId, createdBy, lastModifiedBy, createdDateTime, lastModifiedDateTime, isFavorite, ...rest } =
    contact;
  void [id, tabId, createdBy, lastModifiedBy, createdDateTime, lastModifiedDateTime, isFavorite];
  delete rest['@odata.etag'];
  return rest;
}

function byName(a: any, b: any): number {
  return String(a.displayName).localeCompare(String(b.displayName));
}

/** A zip archive, each entry deflated unless stored; sizes in the directory may be made to lie. */
function zip(entries: Array<{ name: string; data: Buffer; declaredSize?: number }>): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const compressed = deflateRawSync(entry.data);
    const size = entry.declaredSize ?? entry.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(entry.data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(entry.data), 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed);
    directory.push(central, name);
    offset += 30 + name.length + compressed.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directoryBytes, end]);
}

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Contacts');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

jest.setTimeout(60_000);

describe('contact import and export', () => {
  let api: TestApp;
  let client: MongoClient;
  let owner: string;
  let reader: string;

  beforeAll(async () => {
    api = await startTestApp('importexport', {
      RATE_LIMIT_PER_USER: '100000',
      RATE_LIMIT_PER_TENANT: '1000000',
      JOB_POLL_INTERVAL_MS: '100',
      JOB_LEASE_MS: '5000',
      IMPORT_MAX_ROWS: String(MAX_ROWS),
      IMPORT_MAX_FILE_BYTES: String(MAX_FILE_BYTES),
      IMPORT_MAX_UNCOMPRESSED_BYTES: String(8 * 1024 * 1024),
    });
    const tokens = await TokenFactory.for(api);
    owner = tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adèle Owner' });
    reader = tokens.mint({ tenantId: TENANT_1, userId: READER, name: 'Lee Reader' });
    client = await connectTestClient();
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  const call = (token = owner) => callerOf(api.url, token);

  async function createTab(name: string, overrides: Record<string, unknown> = {}): Promise<any> {
    return (await call().post('/api/v1/tabs', tabBody(name, overrides)).expect(201)).body;
  }

  async function listContacts(tabId: string): Promise<any[]> {
    const res = await call().get(`/api/v1/tabs/${tabId}/contacts?$top=999&$orderby=displayName`).expect(200);
    return res.body.value;
  }

  function upload(
    tabId: string,
    file: Buffer,
    fileName: string,
    fields: Record<string, string> = {},
    token = owner,
  ): request.Test {
    let test = request(api.url)
      .post(`/api/v1/tabs/${tabId}/contacts/import`)
      .set('authorization', bearer(token));
    for (const [name, value] of Object.entries(fields)) test = test.field(name, value);
    return test.attach('file', file, fileName);
  }

  async function finished(location: string): Promise<any> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await call().get(location).expect(200);
      if (res.body.status === 'succeeded' || res.body.status === 'failed') return res.body;
      if (Date.now() > deadline) throw new Error(`job still ${res.body.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function importFile(
    tabId: string,
    file: Buffer,
    fileName: string,
    fields: Record<string, string> = {},
  ) {
    const res = await upload(tabId, file, fileName, fields);
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/api/v1/jobs/${res.body.id}`);
    return finished(res.headers.location);
  }

  async function exportFile(tabId: string, format: string, query = ''): Promise<request.Response> {
    return request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/export?format=${format}${query}`)
      .set('authorization', bearer(owner))
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      });
  }

  describe('round trip', () => {
    let source: any;
    let originals: any[];

    beforeAll(async () => {
      source = await createTab('Fournisseurs été');
      for (const contact of CONTACTS) {
        await call().post(`/api/v1/tabs/${source.id}/contacts`, contact).expect(201);
      }
      originals = (await listContacts(source.id)).sort(byName);
      expect(originals).toHaveLength(CONTACTS.length);
    });

    it.each(['csv', 'xlsx'])(
      'exports to %s and imports it back into a new tab: equal contacts',
      async (format) => {
        const res = await exportFile(source.id, format);
        expect(res.status).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const target = await createTab(`Copy ${format}`);
        const job = await importFile(target.id, res.body as Buffer, `export.${format}`);
        expect(job).toMatchObject({
          status: 'succeeded',
          progress: { total: 3, processed: 3, created: 3, updated: 0, skipped: 0, failed: 0 },
          errors: [],
        });
        const copies = (await listContacts(target.id)).sort(byName);
        expect(copies.map(content)).toEqual(originals.map(content));
      },
    );

    it('exports to vCard 4.0 and imports it back: equal contacts', async () => {
      const res = await exportFile(source.id, 'vcf');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/vcard/);
      const text = (res.body as Buffer).toString('utf8');
      expect(text.match(/BEGIN:VCARD\r\nVERSION:4.0\r\n/g)).toHaveLength(3);
      for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
      const target = await createTab('Copy vcf');
      const job = await importFile(target.id, res.body as Buffer, 'contacts.vcf');
      expect(job.status).toBe('succeeded');
      expect(job.progress).toMatchObject({ total: 3, created: 3, failed: 0 });
      const copies = (await listContacts(target.id)).sort(byName);
      expect(copies.map(content)).toEqual(originals.map(content));
    });

    it('CSV: a BOM, the labels as headers, formulas neutralized, the file named after the tab', async () => {
      const res = await exportFile(source.id, 'csv');
      const text = (res.body as Buffer).toString('utf8');
      expect(text.startsWith('\ufeffDisplay name,First name,')).toBe(true);
      expect(text).toContain(',Secteur,Rating,Account,Tags,Since,VIP,Memo,Portal\r\n');
      expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
      expect(text).toContain(`'@handle`);
      expect(text).toContain(`'-555 0100`);
      expect(text).toContain('Second line – café\n=1+2 is not a formula"');
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="Fournisseurs ete.csv"; filename*=UTF-8''Fournisseurs%20%C3%A9t%C3%A9.csv`,
      );
    });

    it('the visible fields come first, under their labels, then every hidden one', async () => {
      const tab = await createTab('Narrow', {
        fields: [
          { key: 'displayName', visible: true, label: 'Nom' },
          { key: 'emailAddresses', visible: true },
          { key: 'industry', visible: true },
          { key: 'notes', visible: false },
          ...CUSTOM_FIELDS.filter((field) => field.key !== 'industry').map(({ key }) => ({
            key,
            visible: false,
          })),
        ],
      });
      await call().post(`/api/v1/tabs/${tab.id}/contacts`, CONTACTS[0]).expect(201);
      const res = await exportFile(tab.id, 'xlsx');
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(res.body as ArrayBuffer);
      const rows = book.worksheets[0].getSheetValues().filter(Boolean) as unknown[][];
      expect(rows[0].slice(1, 6)).toEqual(['Nom', 'E-mail addresses', 'Secteur', 'Notes', 'Rating']);
      expect(rows[0]).toEqual(expect.arrayContaining(['First name', 'Last name', 'Office location']));
      expect(rows[1].slice(1, 4)).toEqual([
        'Adèle Marie Vance-Müller',
        'Adèle Vance <adele.vance@contoso.com>\nadele@home.example',
        'Énergie',
      ]);
    });

    it('honours $filter, $search and $orderby', async () => {
      const filtered = await exportFile(
        source.id,
        'csv',
        `&$filter=${encodeURIComponent("companyName eq 'fabrikam'")}`,
      );
      const lines = (filtered.body as Buffer).toString('utf8').trim().split('\r\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain('Fabrikam front desk');
      const searched = await exportFile(source.id, 'vcf', '&$search=zoe');
      expect((searched.body as Buffer).toString('utf8').match(/BEGIN:VCARD/g)).toHaveLength(1);
      const ordered = await exportFile(source.id, 'csv', '&$orderby=displayName desc');
      const names = (ordered.body as Buffer)
        .toString('utf8')
        .split('\r\n')
        .slice(1, 4)
        .map((line) => line.split(',')[0]);
      expect(names).toEqual(["Zoë O'Brien", 'Fabrikam front desk', 'Adèle Marie Vance-Müller']);
      const bad = await exportFile(source.id, 'csv', '&$filter=nope eq 1');
      expect(bad.status).toBe(400);
    });

    it('$select chooses the columns (hidden ones too), in the tab order; $skip and $top the rows', async () => {
      const select = encodeURIComponent('customFields/industry,displayName,phones');
      const res = await exportFile(
        source.id,
        'csv',
        `&$select=${select}&$orderby=displayName&$skip=1&$top=1`,
      );
      expect(res.status).toBe(200);
      const lines = (res.body as Buffer)
        .toString('utf8')
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n');
      const phones = Array.from({ length: 10 }, (_, i) => `Phone ${i + 1} type,Phone ${i + 1} number`);
      expect(lines).toEqual([
        `Display name,${phones.join(',')},Secteur`,
        `Fabrikam front desk,Business,'-555 0100${',,'.repeat(9)},`,
      ]);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(
        (await exportFile(source.id, 'xlsx', '&$select=notes&$top=0')).body as ArrayBuffer,
      );
      expect(book.worksheets[0].getSheetValues().filter(Boolean)).toEqual([[undefined, 'Notes']]);
    });

    it.each([
      ['$select on a vCard', 'vcf', '&$select=displayName', '$select'],
      ['$select of a property no column holds', 'csv', '&$select=displayName,createdDateTime', '$select'],
      ['$count', 'csv', '&$count=true', '$count'],
      ['$skiptoken', 'xlsx', '&$skiptoken=abc', '$skiptoken'],
      ['a negative $top', 'csv', '&$top=-1', '$top'],
    ])('refuses %s: 400 naming the option', async (_what, format, query, target) => {
      const res = await exportFile(source.id, format, query);
      expect(res.status).toBe(400);
      const body = JSON.parse((res.body as Buffer).toString('utf8'));
      expect(body.error.target).toBe(target);
    });

    it('refuses an unknown or missing format', async () => {
      for (const query of ['?format=pdf', '']) {
        const res = await call().get(`/api/v1/tabs/${source.id}/contacts/export${query}`);
        expect(res.status).toBe(400);
        expect(res.body.error.target).toBe('format');
      }
    });
  });

  describe('CSV from other products', () => {
    it('reads an Outlook CSV export', async () => {
      const tab = await createTab('Outlook');
      const job = await importFile(
        tab.id,
        readFileSync(join(__dirname, 'fixtures/outlook-contacts.csv')),
        'contacts.csv',
      );
      expect(job.status).toBe('succeeded');
      expect(job.progress).toMatchObject({ total: 3, processed: 3, created: 2, failed: 1 });
      expect(job.errors).toEqual([
        { row: 5, column: 'E-mail Address', message: expect.stringContaining('emailAddresses.0.address') },
      ]);
      expect(job.input.columns.ignored).toEqual(expect.arrayContaining(['Suffix', 'E-mail Type']));
      const [adele, lee] = await listContacts(tab.id);
      expect(adele).toMatchObject({
        displayName: 'Adèle Vance',
        title: 'Dr.',
        companyName: 'Contoso Ltd',
        department: 'Purchasing',
        jobTitle: 'Buyer',
        officeLocation: 'Building 4',
        birthday: '1984-05-17',
        categories: ['Supplier', 'Partner'],
        websites: ['https://contoso.com'],
        notes: 'Met at Ignite.\r\nPrefers e-mail.',
        emailAddresses: [
          { address: 'adele.vance@contoso.com', name: 'Adèle Vance (adele.vance@contoso.com)' },
          { address: 'adele@home.example', name: null },
        ],
        // In the order of the file's columns.
        phones: [
          { number: '+1 425 555 0110', type: 'businessFax' },
          { number: '+1 425 555 0100', type: 'business' },
          { number: '+1 425 555 0101', type: 'mobile' },
        ],
        addresses: [
          {
            type: 'business',
            street: '1 Microsoft Way',
            city: 'Redmond',
            state: 'WA',
            postalCode: '98052',
            countryOrRegion: 'United States',
          },
        ],
      });
      expect(lee).toMatchObject({
        displayName: 'Lee Gu',
        birthday: null,
        phones: [{ number: '+33 1 23 45 67 89', type: 'home' }],
        addresses: [
          {
            type: 'home',
            street: '12 Rue de la Paix',
            city: 'Paris',
            postalCode: '75002',
            countryOrRegion: 'France',
          },
        ],
      });
    });

    it('reads a Google Contacts CSV export', async () => {
      const tab = await createTab('Google');
      const job = await importFile(
        tab.id,
        readFileSync(join(__dirname, 'fixtures/google-contacts.csv')),
        'google.csv',
      );
      expect(job).toMatchObject({ status: 'succeeded', progress: { total: 2, created: 2, failed: 0 } });
      const [marc, zoe] = await listContacts(tab.id);
      expect(zoe).toMatchObject({
        displayName: 'Zoë Durand',
        givenName: 'Zoë',
        surname: 'Durand',
        nickName: 'Zo',
        birthday: '1990-02-03',
        notes: 'Rencontrée au salon',
        companyName: 'Énergie SA',
        jobTitle: 'Directrice',
        department: 'Achats',
        websites: ['https://energie.example'],
        emailAddresses: [
          { address: 'zoe.durand@example.fr', name: null },
          { address: 'zoe@perso.example', name: null },
        ],
        phones: [
          { number: '+33 6 12 34 56 78', type: 'mobile' },
          { number: '+33 1 98 76 54 32', type: 'business' },
        ],
        addresses: [
          {
            type: 'business',
            street: '5 Quai Voltaire',
            city: 'Paris',
            postalCode: '75007',
            countryOrRegion: 'France',
          },
        ],
      });
      expect(marc).toMatchObject({
        displayName: 'Marc Petit',
        phones: [{ number: '01 23 45 67 89', type: 'home' }],
      });
    });

    it('detects the ; and tab delimiters, with or without a BOM', async () => {
      for (const [delimiter, bom] of [
        [';', ''],
        ['\t', '\ufeff'],
      ]) {
        const tab = await createTab(`Delimiter ${delimiter === ';' ? 'semicolon' : 'tab'}`);
        const text = `${bom}Nom${delimiter}E-mail addresses${delimiter}Secteur\r\n"Dupont; Jean"${delimiter}jean@dupont.example${delimiter}énergie\r\n`;
        const job = await importFile(tab.id, Buffer.from(text), 'contacts.csv', {
          mapping: JSON.stringify({ Nom: 'displayName' }),
        });
        expect(job.progress).toMatchObject({ created: 1, failed: 0 });
        const [contact] = await listContacts(tab.id);
        expect(contact).toMatchObject({
          displayName: 'Dupont; Jean',
          emailAddresses: [{ address: 'jean@dupont.example', name: null }],
          customFields: { industry: 'Énergie' },
        });
      }
    });
  });

  describe('modes', () => {
    let tab: any;
    const csv = (rows: string[]) =>
      Buffer.from(['Display name,E-mail addresses,Job title', ...rows].join('\r\n'));

    beforeAll(async () => {
      tab = await createTab('Modes');
      await call()
        .post(`/api/v1/tabs/${tab.id}/contacts`, {
          displayName: 'Existing',
          jobTitle: 'Old title',
          companyName: 'Kept Inc',
          emailAddresses: [{ address: 'existing@example.com' }],
        })
        .expect(201);
    });

    it('dry run: validates and reports, writes nothing', async () => {
      const job = await importFile(
        tab.id,
        csv(['New,new@example.com,', 'Existing again,EXISTING@example.com,', ',,Engineer']),
        'c.csv',
        {
          dryRun: 'true',
        },
      );
      expect(job).toMatchObject({ status: 'succeeded', input: { dryRun: true, mode: 'create' } });
      expect(job.progress).toMatchObject({ total: 3, created: 1, skipped: 1, failed: 1 });
      expect(await listContacts(tab.id)).toHaveLength(1);
    });

    it('create: rows whose e-mail address is in the tab (or earlier in the file) are skipped and reported', async () => {
      const job = await importFile(
        tab.id,
        csv([
          'New one,new1@example.com,Buyer',
          'Existing again,existing@example.com,',
          'Twice,NEW1@example.com,',
        ]),
        'c.csv',
      );
      expect(job.progress).toMatchObject({ created: 1, skipped: 2, failed: 0 });
      expect(job.errors).toEqual([
        { row: 3, column: 'E-mail addresses', message: expect.stringContaining('skipped') },
        { row: 4, column: 'E-mail addresses', message: expect.stringContaining('new1@example.com') },
      ]);
      expect((await listContacts(tab.id)).map((c) => c.displayName)).toEqual(['Existing', 'New one']);
    });

    it('upsert: rows whose e-mail address is in the tab update that contact (its other fields kept)', async () => {
      const job = await importFile(
        tab.id,
        csv(['Existing renamed,existing@example.com,New title', 'Fresh,fresh@example.com,']),
        'c.csv',
        {
          mode: 'upsert',
        },
      );
      expect(job.progress).toMatchObject({ created: 1, updated: 1, failed: 0 });
      const existing = (await listContacts(tab.id)).find(
        (c) => c.emailAddresses[0]?.address === 'existing@example.com',
      );
      expect(existing).toMatchObject({
        displayName: 'Existing renamed',
        jobTitle: 'New title',
        companyName: 'Kept Inc',
        '@odata.etag': 'W/"2"',
      });
    });

    it('every row gets the validation of POST …/contacts; invalid rows are reported, never half-written', async () => {
      const tab2 = await createTab('Validation');
      const text = [
        'Display name,E-mail addresses,Secteur,Rating,Categories,Websites',
        'Good,good@example.com,Retail,3,Supplier,https://good.example',
        'Bad choice,bad1@example.com,Unknown,3,,',
        'Bad number,bad2@example.com,,three,,',
        'Bad category,bad3@example.com,,,Nope,',
        'Bad site,bad4@example.com,,,,javascript:alert(1)',
        ',,,5,,',
      ].join('\n');
      const job = await importFile(tab2.id, Buffer.from(text), 'v.csv');
      expect(job.progress).toMatchObject({ total: 6, created: 1, failed: 5 });
      expect(job.errors.map((e: any) => [e.row, e.column])).toEqual([
        [3, 'Secteur'],
        [4, 'Rating'],
        [5, 'Categories'],
        [6, 'Websites'],
        [7, 'displayName'],
      ]);
      expect(job.errors[4].message).toContain('displayName');
      expect((await listContacts(tab2.id)).map((c) => c.displayName)).toEqual(['Good']);
    });

    it('a problem in a numbered phone or address column is reported under that column', async () => {
      const tab4 = await createTab('Numbered columns');
      const text = [
        'Display name,Phone 1 type,Phone 1 number,Phone 2 type,Phone 2 number,Address 1 type,Address 1 city',
        `Numbered,Mobile,+1 555 0100,Home,not a number,Home,${'x'.repeat(200)}`,
      ].join('\r\n');
      const job = await importFile(tab4.id, Buffer.from(text), 'n.csv');
      expect(job.progress).toMatchObject({ total: 1, created: 0, failed: 1 });
      expect(job.errors.map((e: any) => [e.row, e.column])).toEqual([
        [2, 'Phone 2 number'],
        [2, 'Address 1 city'],
      ]);
      expect(job.input.columns.read).toEqual([
        { header: 'Display name', field: 'displayName' },
        ...['Phone 1 type', 'Phone 1 number', 'Phone 2 type', 'Phone 2 number'].map((header) => ({
          header,
          field: 'phones',
        })),
        { header: 'Address 1 type', field: 'addresses' },
        { header: 'Address 1 city', field: 'addresses' },
      ]);
    });

    it('an explicit mapping overrides the headers; null ignores a column', async () => {
      const tab3 = await createTab('Mapping');
      const text = 'Société,Courriel,Title\r\nContoso,info@contoso.example,Ignored title\r\n';
      const job = await importFile(tab3.id, Buffer.from(text), 'm.csv', {
        mapping: JSON.stringify({ Société: 'companyName', Courriel: 'emailAddresses', Title: null }),
      });
      expect(job.input.columns).toEqual({
        read: [
          { header: 'Société', field: 'companyName' },
          { header: 'Courriel', field: 'emailAddresses' },
        ],
        ignored: ['Title'],
      });
      const [contact] = await listContacts(tab3.id);
      expect(contact).toMatchObject({ displayName: 'Contoso', companyName: 'Contoso', title: null });
    });
  });

  describe('bad input', () => {
    let tab: any;
    const csvFile = Buffer.from('Display name,E-mail addresses\r\nA,a@example.com\r\n');

    beforeAll(async () => {
      tab = await createTab('Bad input');
    });

    async function refused(res: request.Response, status: number, message: RegExp): Promise<void> {
      expect(res.status).toBe(status);
      expect(res.body.error.message).toMatch(message);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await listContacts(tab.id)).toHaveLength(0);
      expect(await client.db(api.dbName).collection('importFileChunks').countDocuments()).toBe(0);
    }

    it('a wrong file type, or an extension that lies about the content: 415', async () => {
      await refused(await upload(tab.id, Buffer.from('%PDF-1.7\n\u0000\u0001binary'), 'c.pdf'), 415, /\.pdf/);
      await refused(await upload(tab.id, Buffer.from([0, 1, 2, 3, 0, 5]), 'c.csv'), 415, /binary/);
      await refused(
        await upload(tab.id, await workbook([['Display name'], ['A']]), 'c.csv'),
        415,
        /named \.csv .* zip/,
      );
      await refused(await upload(tab.id, csvFile, 'c.xlsx'), 415, /named \.xlsx .*CSV/);
      await refused(
        await upload(tab.id, Buffer.from('BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n'), 'c.csv'),
        415,
        /vCard/,
      );
    });

    it('not multipart: 415; no file or two files or unknown fields: 400', async () => {
      const json = await call().post(`/api/v1/tabs/${tab.id}/contacts/import`, { file: 'x' });
      expect(json.status).toBe(415);
      const noFile = await request(api.url)
        .post(`/api/v1/tabs/${tab.id}/contacts/import`)
        .set('authorization', bearer(owner))
        .field('mode', 'create');
      await refused(noFile, 400, /no file/);
      const twoFiles = await request(api.url)
        .post(`/api/v1/tabs/${tab.id}/contacts/import`)
        .set('authorization', bearer(owner))
        .attach('file', csvFile, 'a.csv')
        .attach('file', csvFile, 'b.csv');
      await refused(twoFiles, 400, /./);
      await refused(await upload(tab.id, csvFile, 'c.csv', { mode: 'merge' }), 400, /options are invalid/);
      await refused(await upload(tab.id, csvFile, 'c.csv', { colour: 'red' }), 400, /options are invalid/);
    });

    it('a file larger than the limit: 413', async () => {
      const big = Buffer.alloc(MAX_FILE_BYTES + 10, 'a');
      await refused(await upload(tab.id, big, 'big.csv'), 413, /larger than/);
    });

    it('a corrupt xlsx: 400', async () => {
      const good = await workbook([['Display name'], ['A']]);
      const truncated = good.subarray(0, Math.floor(good.length / 2));
      await refused(await upload(tab.id, truncated, 'c.xlsx'), 400, /damaged/);
      const garbage = zip([
        { name: '[Content_Types].xml', data: Buffer.from('<Types/>') },
        { name: 'xl/workbook.xml', data: Buffer.from('<workbook') },
        { name: 'xl/worksheets/sheet1.xml', data: Buffer.from('not xml at all <<<') },
      ]);
      await refused(await upload(tab.id, garbage, 'c.xlsx'), 400, /damaged|worksheet|header/);
    });

    it('a zip bomb, whether its directory tells the truth or lies: 400 before it is read', async () => {
      const zeros = Buffer.alloc(16 * 1024 * 1024);
      const honest = zip([
        { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
        { name: 'xl/worksheets/sheet1.xml', data: zeros },
      ]);
      expect(honest.length).toBeLessThan(100_000);
      await refused(await upload(tab.id, honest, 'bomb.xlsx'), 400, /decompresses to more than/);
      const lying = zip([
        { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
        { name: 'xl/worksheets/sheet1.xml', data: zeros, declaredSize: 1000 },
      ]);
      await refused(await upload(tab.id, lying, 'bomb.xlsx'), 400, /decompresses to more than/);
    });

    it('more rows than the limit: 400', async () => {
      const rows = Array.from({ length: MAX_ROWS + 1 }, (_, i) => `Row ${i},r${i}@example.com`);
      const file = Buffer.from(['Display name,E-mail addresses', ...rows].join('\n'));
      await refused(await upload(tab.id, file, 'many.csv'), 400, new RegExp(`more than ${MAX_ROWS}`));
    });

    it('invalid UTF-8: 400', async () => {
      const file = Buffer.concat([
        Buffer.from('Display name\r\nCaf'),
        Buffer.from([0xe9]),
        Buffer.from('\r\n'),
      ]);
      await refused(await upload(tab.id, file, 'latin1.csv'), 400, /UTF-8/);
    });

    it('unbalanced quotes: 400', async () => {
      await refused(
        await upload(tab.id, Buffer.from('Display name,Notes\r\nA,"open\r\nB,x\r\n'), 'q.csv'),
        400,
        /line 2 is never closed/,
      );
      await refused(
        await upload(tab.id, Buffer.from('Display name,Notes\r\nA,"x"y\r\n'), 'q.csv'),
        400,
        /after a closing quote/,
      );
    });

    it('a vCard without END:VCARD: 400', async () => {
      const file = Buffer.from(
        'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:B\r\n',
      );
      await refused(await upload(tab.id, file, 'c.vcf'), 400, /no END:VCARD/);
    });

    it('a mapping to an unknown field, or from a column the file lacks, or not JSON: 400', async () => {
      const res = await upload(tab.id, csvFile, 'c.csv', {
        mapping: JSON.stringify({ 'Display name': 'nickname', Nope: 'surname' }),
      });
      await refused(res, 400, /mapping is invalid/);
      expect(res.body.error.details.map((d: any) => d.message)).toEqual([
        "'nickname' (for the column 'Display name') is not a contact field of this tab.",
        "The file has no column 'Nope'.",
      ]);
      await refused(await upload(tab.id, csvFile, 'c.csv', { mapping: '{"a":1}' }), 400, /JSON object/);
    });

    it('a header row that names no field: 400', async () => {
      await refused(await upload(tab.id, Buffer.from('Foo,Bar\r\n1,2\r\n'), 'c.csv'), 400, /No column/);
    });

    it('a 1 MiB cell: that row is reported, the others imported', async () => {
      const file = Buffer.from(`Display name,Notes\r\nHuge,${'x'.repeat(1024 * 1024)}\r\nSmall,fine\r\n`);
      const job = await importFile(tab.id, file, 'huge.csv');
      expect(job.progress).toMatchObject({ total: 2, created: 1, failed: 1 });
      expect(job.errors).toEqual([
        { row: 2, column: 'Notes', message: expect.stringContaining('more than 65536 characters') },
      ]);
      const contacts = await listContacts(tab.id);
      expect(contacts.map((c) => c.displayName)).toEqual(['Small']);
      await call().delete(`/api/v1/tabs/${tab.id}/contacts/${contacts[0].id}`).expect(204);
    });

    it('only the contact editors import: 403', async () => {
      const res = await upload(tab.id, csvFile, 'c.csv', {}, reader);
      await refused(res, 403, /./);
    });
  });
});
