import ExcelJS from 'exceljs';
import request from 'supertest';
import { startTestApp, TestApp } from './support/app';
import { callerOf } from './support/http';
import { bearer, TENANT_1, TokenFactory, USER_A } from './support/tokens';

/*
 * A default export holds every field: exported in each format and imported into a new tab with the same
 * configuration, through the import endpoint and its job, every contact comes back with every field equal.
 */

const CUSTOM_FIELDS = [
  {
    key: 'industry',
    label: 'Région; zone',
    type: 'choice',
    choices: [{ value: 'Retail' }, { value: 'Énergie; gaz' }],
  },
  { key: 'rating', label: 'Rating', type: 'number' },
  { key: 'account', label: '取引先', type: 'text' },
  {
    key: 'tags',
    label: 'Tags',
    type: 'multiChoice',
    choices: [{ value: 'Gold' }, { value: 'Silver; plated' }, { value: 'Ünïcode 😀' }],
  },
  { key: 'since', label: 'Since', type: 'date' },
  { key: 'vip', label: 'VIP', type: 'boolean' },
  // Labelled as a built-in field's header: its column is told apart.
  { key: 'memo', label: 'Notes', type: 'multilineText' },
  { key: 'portal', label: 'Portal', type: 'url' },
  { key: 'backup', label: 'Backup e-mail', type: 'email' },
  { key: 'hotline', label: 'Hotline', type: 'phone' },
];

/** A few fields shown, in an order of the tab's own, two of them relabelled; every other field hidden. */
const FIELDS = [
  { key: 'displayName', visible: true, label: 'Nom affiché' },
  { key: 'companyName', visible: true },
  { key: 'emailAddresses', visible: true, label: 'Courriels' },
  { key: 'industry', visible: true },
  { key: 'phones', visible: true },
  { key: 'tags', visible: true },
  ...[
    'givenName',
    'surname',
    'middleName',
    'nickName',
    'title',
    'department',
    'jobTitle',
    'officeLocation',
    'addresses',
    'websites',
    'birthday',
    'notes',
    'categories',
    'rating',
    'account',
    'since',
    'vip',
    'memo',
    'portal',
    'backup',
    'hotline',
  ].map((key) => ({ key, visible: false, ...(key === 'surname' ? { label: 'Nom de famille' } : {}) })),
];

const CATEGORIES = [
  { name: 'Supplier', color: '#00ff00' },
  { name: 'R&D; Labs', color: '#0000ff' },
  { name: 'Épicerie fine, bio', color: '#ff0000' },
];

/** Contacts that use every field, several of each list at the contact limits, and the awkward characters. */
const CONTACTS: Array<Record<string, unknown>> = [
  {
    title: 'Dr.',
    givenName: 'Adèle',
    middleName: 'Marie-Æsa',
    surname: 'Vance, "the" Müller',
    nickName: 'Addy 😀',
    companyName: 'Contoso; Ltd',
    department: 'Achats & more',
    jobTitle: 'Buyer, senior',
    officeLocation: 'Bâtiment 4; étage 2',
    emailAddresses: Array.from({ length: 10 }, (_, i) => ({
      address: `adele.${i}@contoso.example`,
      ...(i === 0 ? { name: 'Vance; Adèle "AV" <boss>, Jr.' } : {}),
      ...(i === 1 ? { name: 'Adèle ::: Vance' } : {}),
      ...(i === 2 ? { name: '王小明' } : {}),
    })),
    phones: [
      { number: '+33 6 12 34 56 78', type: 'mobile' },
      { number: '+1 (425) 555-0100 ext. 12', type: 'business' },
      { number: '-555 0199', type: 'other' },
      { number: '01 23 45 67 89', type: 'home' },
      { number: '+1 425 555 0110', type: 'businessFax' },
      { number: '06 98 76 54 32', type: 'mobile' },
      { number: '(0)30 1234 5678', type: 'business' },
      { number: '555.0101', type: 'home' },
      { number: '555/0102', type: 'other' },
      { number: '+49 30 9999 #7', type: 'businessFax' },
    ],
    addresses: [
      {
        type: 'business',
        street: '1 Microsoft Way\r\nBuilding 4',
        city: 'Redmond',
        state: 'WA',
        postalCode: '98052',
        countryOrRegion: 'United States',
      },
      { type: 'home', street: '12 rue de l’Église\n3e étage', city: 'Saint-Étienne', postalCode: '04200' },
      { type: 'business', city: '東京都', countryOrRegion: '日本' },
      { type: 'other', state: '=cmd|"/C calc"!A0', countryOrRegion: 'Schweiz, "CH"' },
      { type: 'other', street: 'شارع الملك فهد', city: 'الرياض', countryOrRegion: 'السعودية' },
    ],
    websites: [
      'https://contoso.example',
      'https://example.org/adele?a=1&b=2,3;4',
      'http://xn--caf-dma.example/',
      'https://a.example/',
      'https://b.example/x',
    ],
    birthday: '1984-02-29',
    notes:
      '<p>First line, with a comma; and "quotes" &amp; &lt;tags&gt;</p>\n<ul><li>café 😀</li><li>=1+2</li></ul>' +
      '<p><a href="https://contoso.example/?q=1&amp;r=2">link</a><br />end</p>',
    categories: ['R&D; Labs', 'Épicerie fine, bio', 'Supplier'],
    customFields: {
      industry: 'Énergie; gaz',
      rating: 1e21,
      account: '=HYPERLINK("http://evil")',
      tags: ['Silver; plated', 'Ünïcode 😀', 'Gold'],
      since: '2019-01-31',
      vip: true,
      memo: 'Line one\r\nLine two, "quoted"\n+Line three',
      portal: 'https://portal.contoso.example/a,b',
      backup: 'adele+backup@contoso.example',
      hotline: '+1 800 555 0100',
    },
  },
  {
    // Only a company: its built display name, and every other field empty.
    companyName: 'Fabrikam',
  },
  {
    displayName: '@Fabrikam front desk',
    givenName: '=SUM(A1:A9)',
    surname: '+Plus',
    nickName: '-minus',
    jobTitle: "'=already quoted",
    department: "''+twice",
    title: '\'@"at"',
    emailAddresses: [{ address: 'desk@fabrikam.example', name: '=evil()' }],
    phones: [{ number: '+44 20 7946 0000', type: 'home' }],
    customFields: { rating: -1e-7, vip: false, account: '-1', since: '2000-12-31', tags: ['Gold'] },
  },
  {
    givenName: 'Zoë',
    surname: 'سارة 王',
    categories: ['Supplier'],
    // White space around a note is not kept: stored as a file gives it back.
    notes: 'plain text, no markup\n',
    customFields: { rating: 0, industry: 'Retail', memo: 'x' },
  },
];

/** What identifies a contact or records its history, rather than its content: not compared. */
const NOT_CONTENT = [
  'id',
  'tabId',
  'createdBy',
  'lastModifiedBy',
  'createdDateTime',
  'lastModifiedDateTime',
  'isFavorite',
  '@odata.etag',
];

function content(contact: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(contact).filter(([key]) => !NOT_CONTENT.includes(key)));
}

/** Every difference between two values, one line each: `path: expected …, got …`. */
function differences(expected: unknown, actual: unknown, path: string): string[] {
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const lines = expected.flatMap((item, i) => differences(item, actual[i], `${path}[${i}]`));
    for (let i = expected.length; i < actual.length; i++) {
      lines.push(`${path}[${i}]: expected nothing, got ${JSON.stringify(actual[i])}`);
    }
    return lines;
  }
  if (isObject(expected) && isObject(actual)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((key) => differences(expected[key], actual[key], `${path}.${key}`));
  }
  return Object.is(expected, actual) ||
    (typeof expected === 'number' && typeof actual === 'number' && expected === actual)
    ? []
    : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Line breaks as vCard writes them: a carriage return has no escape of its own, it comes back as `\n`. */
function vcardLineBreaks(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\r\n?/g, '\n');
  if (Array.isArray(value)) return value.map(vcardLineBreaks);
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, vcardLineBreaks(item)]));
  }
  return value;
}

jest.setTimeout(120_000);

describe('export round trip', () => {
  let api: TestApp;
  let owner: string;
  let source: any;
  let originals: any[];

  const call = () => callerOf(api.url, owner);

  async function createTab(displayName: string): Promise<any> {
    const body = {
      channelId: '19:roundtrip@thread.tacv2',
      channelName: 'Sales',
      displayName,
      customFields: CUSTOM_FIELDS,
      categories: CATEGORIES,
      fields: FIELDS,
    };
    return (await call().post('/api/v1/tabs', body).expect(201)).body;
  }

  async function listContacts(tabId: string): Promise<any[]> {
    const res = await call().get(`/api/v1/tabs/${tabId}/contacts?$top=999&$orderby=displayName`).expect(200);
    return res.body.value;
  }

  async function exportFile(tabId: string, query: string): Promise<request.Response> {
    const res = await request(api.url)
      .get(`/api/v1/tabs/${tabId}/contacts/export?${query}`)
      .set('authorization', bearer(owner))
      .buffer(true)
      .parse((response, callback) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => callback(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    return res;
  }

  /** Uploads through the import endpoint and polls its job until it ends. */
  async function importFile(tabId: string, file: Buffer, fileName: string): Promise<any> {
    const res = await request(api.url)
      .post(`/api/v1/tabs/${tabId}/contacts/import`)
      .set('authorization', bearer(owner))
      .attach('file', file, fileName);
    expect(res.status).toBe(202);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const job = (await call().get(`/api/v1/jobs/${res.body.id}`).expect(200)).body;
      if (job.status === 'succeeded' || job.status === 'failed') return job;
      if (Date.now() > deadline) throw new Error(`import job still ${job.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function headerRow(format: 'csv' | 'xlsx', tabId: string, query = ''): Promise<string[]> {
    const res = await exportFile(tabId, `format=${format}${query}`);
    if (format === 'csv') {
      return (res.body as Buffer)
        .toString('utf8')
        .replace(/^\ufeff/, '')
        .split('\r\n')[0]
        .split(',');
    }
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.body as ArrayBuffer);
    return (book.worksheets[0].getRow(1).values as string[]).slice(1);
  }

  beforeAll(async () => {
    api = await startTestApp('exportroundtrip', {
      RATE_LIMIT_PER_USER: '100000',
      RATE_LIMIT_PER_TENANT: '1000000',
      JOB_POLL_INTERVAL_MS: '100',
    });
    owner = (await TokenFactory.for(api)).mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adèle Owner' });
    source = await createTab('Round trip');
    for (const contact of CONTACTS) {
      await call().post(`/api/v1/tabs/${source.id}/contacts`, contact).expect(201);
    }
    originals = await listContacts(source.id);
    expect(originals).toHaveLength(CONTACTS.length);
  });
  afterAll(async () => {
    await api.close();
  });

  it.each(['xlsx', 'csv', 'vcf'] as const)(
    'exports to %s and imports it into a new tab: every field of every contact equal',
    async (format) => {
      const file = await exportFile(source.id, `format=${format}`);
      const target = await createTab(`Copy ${format}`);
      const job = await importFile(target.id, file.body as Buffer, `export.${format}`);
      expect({ status: job.status, progress: job.progress, errors: job.errors }).toEqual({
        status: 'succeeded',
        progress: expect.objectContaining({ created: CONTACTS.length, failed: 0, skipped: 0 }),
        errors: [],
      });
      if (format !== 'vcf') {
        // Every column of the export is read, each back into the field it came from.
        expect(job.input.columns.ignored).toEqual([]);
        expect(job.input.columns.read).toHaveLength(10 + 1 + 20 + 30 + 4 + CUSTOM_FIELDS.length);
      }
      const copies = await listContacts(target.id);
      // vCard has no carriage return; everything else comes back as it was stored.
      const expected = originals.map((contact) =>
        format === 'vcf' ? vcardLineBreaks(content(contact)) : content(contact),
      );
      const lines = expected.flatMap((contact: any, i) =>
        differences(contact, copies[i] && content(copies[i]), `contact '${contact.displayName}'`),
      );
      for (let i = expected.length; i < copies.length; i++) lines.push(`extra: ${copies[i].displayName}`);
      expect(lines).toEqual([]);
    },
  );

  it('the stored notes survive a second round trip unchanged', async () => {
    const once = await createTab('Notes once');
    await importFile(once.id, (await exportFile(source.id, 'format=csv')).body as Buffer, 'a.csv');
    const twice = await createTab('Notes twice');
    await importFile(twice.id, (await exportFile(once.id, 'format=xlsx')).body as Buffer, 'b.xlsx');
    expect((await listContacts(twice.id)).map((contact) => contact.notes)).toEqual(
      originals.map((contact) => contact.notes),
    );
  });

  it.each(['csv', 'xlsx'] as const)(
    '%s: the visible fields come first in the tab’s order, under their labels, then the hidden ones',
    async (format) => {
      const phones = Array.from({ length: 10 }, (_, i) => [`Phone ${i + 1} type`, `Phone ${i + 1} number`]);
      const addresses = Array.from({ length: 5 }, (_, i) =>
        ['type', 'street', 'city', 'state', 'postal code', 'country/region'].map(
          (part) => `Address ${i + 1} ${part}`,
        ),
      );
      expect(await headerRow(format, source.id)).toEqual([
        'Nom affiché',
        'Company',
        'Courriels',
        format === 'csv' ? '"Région; zone"' : 'Région; zone',
        ...phones.flat(),
        'Tags',
        'First name',
        'Nom de famille',
        'Middle name',
        'Nickname',
        'Title',
        'Department',
        'Job title',
        'Office location',
        ...addresses.flat(),
        'Websites',
        'Birthday',
        'Notes',
        'Categories',
        'Rating',
        '取引先',
        'Since',
        'VIP',
        'Notes (customFields/memo)',
        'Portal',
        'Backup e-mail',
        'Hotline',
      ]);
    },
  );

  it('$select narrows the columns to the selected fields, still in the export’s order', async () => {
    const select = encodeURIComponent('customFields/memo,surname,displayName');
    expect(await headerRow('csv', source.id, `&$select=${select}`)).toEqual([
      'Nom affiché',
      'Nom de famille',
      'Notes (customFields/memo)',
    ]);
  });
});
