import type { MongoClient } from 'mongodb';
import request from 'supertest';
import { CONTACT_TEXT_FIELDS } from '../src/contact-fields';
import { callerOf } from './support/http';
import { startTestApp, TestApp } from './support/app';
import { connectTestClient } from './support/database';
import {
  bearer,
  mintCallers,
  MEMBER,
  READER,
  TENANT_1,
  TENANT_2,
  TokenFactory,
  USER_A,
  type Callers,
} from './support/tokens';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

function newTab(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    channelId: '19:contacts@thread.tacv2',
    channelName: 'Sales',
    displayName: 'Suppliers',
    customFields: [
      {
        key: 'industry',
        label: 'Industry',
        type: 'choice',
        choices: [{ value: 'Retail' }, { value: 'Énergie' }],
      },
      { key: 'rating', label: 'Rating', type: 'number' },
      { key: 'account', label: 'Account', type: 'text', maxLength: 20 },
      { key: 'tags', label: 'Tags', type: 'multiChoice', choices: [{ value: 'Gold' }, { value: 'Silver' }] },
      { key: 'since', label: 'Since', type: 'date' },
      { key: 'vip', label: 'VIP', type: 'boolean' },
    ],
    categories: [
      { name: 'Supplier', color: '#00ff00' },
      { name: 'Partner', color: '#0000ff' },
    ],
    permissions: { contactEditors: 'members', members: [MEMBER] },
    ...overrides,
  };
}

const JOHN = {
  givenName: 'John',
  surname: 'Smith',
  companyName: 'Contoso Ltd',
  jobTitle: 'Buyer',
  emailAddresses: [{ address: 'John.Smith@Contoso.com', name: 'John' }],
  phones: [{ number: '+1 (425) 555-0109', type: 'business' }],
  categories: ['supplier'],
  customFields: { industry: 'retail', rating: 4, account: 'Key account' },
};

describe('contacts', () => {
  let api: TestApp;
  let tokens: TokenFactory;
  let as: Callers;
  let client: MongoClient;
  let tab: any;
  let base: string;

  const call = (token: string) => callerOf(api.url, token);

  beforeAll(async () => {
    // Generous limits: these tests send hundreds of requests per user within seconds.
    api = await startTestApp('contacts', { RATE_LIMIT_PER_USER: '100000', RATE_LIMIT_PER_TENANT: '1000000' });
    tokens = await TokenFactory.for(api);
    client = await connectTestClient();
    as = mintCallers(tokens);
    tab = await createTab();
    base = `/api/v1/tabs/${tab.id}/contacts`;
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  async function createTab(overrides: Record<string, unknown> = {}, token = as.owner): Promise<any> {
    return (await call(token).post('/api/v1/tabs', newTab(overrides)).expect(201)).body;
  }

  async function createContact(body: unknown, path = base, token = as.owner): Promise<any> {
    const res = await call(token).post(`${path}?allowDuplicate=true`, body);
    expect(res.status).toBe(201);
    return res.body;
  }

  const contacts = () => client.db(api.dbName).collection('contacts');
  const stored = () => contacts().find({}).sort({ _id: 1 }).toArray();

  describe('create, read, update, delete', () => {
    it('creates a contact: 201, Location, ETag, no-store, the Graph shape, nothing internal', async () => {
      const res = await call(as.owner).post(base, {
        ...JOHN,
        emailAddresses: [{ address: 'john.created@contoso.com' }],
        addresses: [{ type: 'business', street: '1 Main St\nSuite 2', city: 'Redmond' }],
        websites: ['https://contoso.com'],
        birthday: '1980-05-17',
        notes: '<p>Met at <b>Ignite</b><span> 2024</span></p>',
      });
      expect(res.status).toBe(201);
      const contact = res.body;
      expect(res.headers.location).toBe(`${base}/${contact.id}`);
      expect(res.headers.etag).toBe('W/"1"');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(contact).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        tabId: tab.id,
        displayName: 'John Smith',
        givenName: 'John',
        middleName: null,
        surname: 'Smith',
        nickName: null,
        title: null,
        companyName: 'Contoso Ltd',
        department: null,
        jobTitle: 'Buyer',
        officeLocation: null,
        emailAddresses: [{ address: 'john.created@contoso.com', name: null }],
        phones: [{ number: '+1 (425) 555-0109', type: 'business' }],
        addresses: [
          {
            type: 'business',
            street: '1 Main St\nSuite 2',
            city: 'Redmond',
            state: null,
            postalCode: null,
            countryOrRegion: null,
          },
        ],
        websites: ['https://contoso.com'],
        birthday: '1980-05-17',
        notes: '<p>Met at <b>Ignite</b> 2024</p>',
        categories: ['Supplier'],
        customFields: { industry: 'Retail', rating: 4, account: 'Key account' },
        isFavorite: false,
        photo: null,
        createdBy: { id: USER_A, displayName: 'Adèle Vance' },
        lastModifiedBy: { id: USER_A, displayName: 'Adèle Vance' },
        createdDateTime: expect.any(String),
        lastModifiedDateTime: expect.any(String),
        '@odata.etag': 'W/"1"',
      });

      const read = await call(as.reader).get(`${base}/${contact.id}`).expect(200);
      expect(read.headers.etag).toBe('W/"1"');
      expect(read.headers['cache-control']).toBe('no-store');
      expect(read.body).toEqual(contact);

      const document = await contacts().findOne({ _id: contact.id } as never);
      expect(document).toMatchObject({
        tenantId: TENANT_1,
        tabId: tab.id,
        version: 1,
        favoritedBy: [],
        phones: [{ number: '+1 (425) 555-0109', type: 'business', digits: '14255550109' }],
        norm: { displayName: 'john smith', customFields: { industry: 'retail', account: 'key account' } },
      });
      expect(document?.searchKeys).toEqual(
        expect.arrayContaining(['john', 'smith', '5550109', 'contoso.com']),
      );
    });

    it('patches only what is given, with or without If-Match; a stale If-Match is 412', async () => {
      const contact = await createContact(JOHN);
      const path = `${base}/${contact.id}`;
      const patched = await call(as.member)
        .patch(path, { jobTitle: 'Head of purchasing', surname: 'Smyth', customFields: { rating: null } })
        .set('if-match', contact['@odata.etag'])
        .expect(200);
      expect(patched.headers.etag).toBe('W/"2"');
      expect(patched.headers['cache-control']).toBe('no-store');
      expect(patched.body).toMatchObject({
        displayName: 'John Smyth',
        surname: 'Smyth',
        jobTitle: 'Head of purchasing',
        companyName: 'Contoso Ltd',
        customFields: { industry: 'Retail', account: 'Key account' },
        createdBy: { id: USER_A },
        lastModifiedBy: { id: MEMBER, displayName: 'Megan Bowen' },
      });
      expect(patched.body.customFields).not.toHaveProperty('rating');

      const stale = await call(as.owner).patch(path, { jobTitle: 'Lost' }).set('if-match', 'W/"1"');
      expect(stale.status).toBe(412);
      expect(stale.body.error.code).toBe('PreconditionFailed');
      expect(stale.headers['cache-control']).toBe('no-store');
      const malformed = await call(as.owner).patch(path, { jobTitle: 'x' }).set('if-match', 'yesterday');
      expect(malformed.status).toBe(400);

      const unconditional = await call(as.owner).patch(path, { displayName: 'Johnny' }).expect(200);
      expect(unconditional.body['@odata.etag']).toBe('W/"3"');
      const renamed = await call(as.owner).patch(path, { givenName: 'Jon' }).expect(200);
      expect(renamed.body.displayName).toBe('Johnny');
      const stored = await contacts().findOne({ _id: contact.id } as never);
      expect(stored?.searchKeys).toEqual(expect.arrayContaining(['johnny', 'jon', 'smyth']));
      expect(stored?.searchKeys).not.toContain('smith');
    });

    it('deletes (204), then the contact is gone (404); a stale If-Match is 412', async () => {
      const contact = await createContact({ givenName: 'Short', surname: 'Lived' });
      const path = `${base}/${contact.id}`;
      const stale = await call(as.owner).delete(path).set('if-match', 'W/"7"');
      expect(stale.status).toBe(412);
      const res = await call(as.owner).delete(path).set('if-match', 'W/"1"');
      expect(res.status).toBe(204);
      expect(res.headers['cache-control']).toBe('no-store');
      await call(as.owner).get(path).expect(404);
      await call(as.owner).delete(path).expect(404);
      await call(as.owner).patch(path, { givenName: 'x' }).expect(404);
    });

    it('lets exactly one of 20 parallel patches with the same If-Match win; the winner is stored', async () => {
      const contact = await createContact({ givenName: 'Race', surname: 'Condition' });
      const path = `${base}/${contact.id}`;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          call(as.owner)
            .patch(path, { jobTitle: `Title ${i}`, customFields: { rating: i } })
            .set('if-match', 'W/"1"'),
        ),
      );
      const statuses = results.map((res) => res.status).sort();
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 412)).toHaveLength(19);
      const winner = results.find((res) => res.status === 200)!.body;
      const read = await call(as.owner).get(path).expect(200);
      expect(read.body).toEqual(winner);
      expect(read.body['@odata.etag']).toBe('W/"2"');
      const document = await contacts().findOne({ _id: contact.id } as never);
      expect(document?.customFields.rating).toBe(winner.customFields.rating);
      expect(document?.jobTitle).toBe(winner.jobTitle);
    });

    it('applies 10 parallel patches without If-Match one after the other (none lost)', async () => {
      const contact = await createContact({ givenName: 'Many', surname: 'Writers' });
      const path = `${base}/${contact.id}`;
      const results = await Promise.all(
        ['givenName', 'surname', 'nickName', 'title', 'companyName', 'department', 'jobTitle'].map((field) =>
          call(as.owner).patch(path, { [field]: `new ${field}` }),
        ),
      );
      expect(results.map((res) => res.status)).toEqual(Array(7).fill(200));
      const read = await call(as.owner).get(path).expect(200);
      expect(read.body).toMatchObject({
        givenName: 'new givenName',
        surname: 'new surname',
        nickName: 'new nickName',
        title: 'new title',
        companyName: 'new companyName',
        department: 'new department',
        jobTitle: 'new jobTitle',
        '@odata.etag': 'W/"8"',
      });
    });
  });

  it('loses no favourite mark and no patch when both arrive at once', async () => {
    const contact = await createContact({ givenName: 'Popular' });
    const path = `${base}/${contact.id}`;
    const users = Array.from({ length: 8 }, (_, i) => `ffffffff-0000-4000-8000-00000000000${i}`);
    const fans = users.map((userId) => tokens.mint({ tenantId: TENANT_1, userId }));
    const results = await Promise.all([
      ...fans.map((token) => call(token).put(`${path}/favorite`)),
      ...['title', 'department', 'jobTitle', 'officeLocation'].map((field) =>
        call(as.owner).patch(path, { [field]: field }),
      ),
    ]);
    expect(results.map((res) => res.status).sort()).toEqual([...Array(4).fill(200), ...Array(8).fill(204)]);
    const document = await contacts().findOne({ _id: contact.id } as never);
    expect([...(document?.favoritedBy ?? [])].sort()).toEqual(users);
    expect(document).toMatchObject({
      title: 'title',
      department: 'department',
      jobTitle: 'jobTitle',
      officeLocation: 'officeLocation',
      version: 5,
    });
  });

  describe('duplicates', () => {
    it('answers 409 naming the existing contact when an e-mail address is already in the tab', async () => {
      const first = await createContact({
        givenName: 'Dup',
        emailAddresses: [{ address: 'dup@fabrikam.com' }],
      });
      const before = await stored();
      const res = await call(as.owner).post(base, {
        givenName: 'Dup again',
        emailAddresses: [{ address: 'other@fabrikam.com' }, { address: 'DUP@Fabrikam.com' }],
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('Conflict');
      expect(res.body.error.details).toEqual([
        expect.objectContaining({ code: 'DuplicateContact', target: first.id }),
      ]);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await stored()).toEqual(before);

      const allowed = await call(as.owner)
        .post(`${base}?allowDuplicate=true`, {
          givenName: 'Dup',
          emailAddresses: [{ address: 'dup@fabrikam.com' }],
        })
        .expect(201);
      expect(allowed.body.id).not.toBe(first.id);
      const bad = await call(as.owner).post(`${base}?allowDuplicate=yes`, { givenName: 'x' });
      expect(bad.status).toBe(400);
      const unknownParameter = await call(as.owner).post(`${base}?force=true`, { givenName: 'x' });
      expect(unknownParameter.status).toBe(400);
    });

    it('does not look into other tabs', async () => {
      const other = await createTab({ displayName: 'Other book' });
      const path = `/api/v1/tabs/${other.id}/contacts`;
      await call(as.owner)
        .post(path, { givenName: 'Dup', emailAddresses: [{ address: 'dup@fabrikam.com' }] })
        .expect(201);
    });
  });

  describe('permissions and tenancy', () => {
    let contact: any;
    let path: string;

    beforeAll(async () => {
      contact = await createContact({ givenName: 'Guarded', surname: 'Contact' });
      path = `${base}/${contact.id}`;
    });

    it.each(['owner', 'member', 'reader', 'admin'] as const)(
      'lets %s read the tab’s contacts',
      async (who) => {
        await call(as[who]).get(base).expect(200);
        await call(as[who]).get(path).expect(200);
      },
    );

    it('refuses a reader every change with 403 and changes nothing', async () => {
      const before = await stored();
      for (const res of [
        await call(as.reader).post(base, { givenName: 'Intruder' }),
        await call(as.reader).patch(path, { givenName: 'Hijacked' }),
        await call(as.reader).delete(path),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('Forbidden');
        expect(res.headers['cache-control']).toBe('no-store');
      }
      expect(await stored()).toEqual(before);
    });

    it('lets the members, owners and administrators edit when contactEditors is members', async () => {
      await call(as.member).patch(path, { jobTitle: 'by member' }).expect(200);
      await call(as.admin).patch(path, { jobTitle: 'by admin' }).expect(200);
      await call(as.owner).patch(path, { jobTitle: 'by owner' }).expect(200);
    });

    it('lets everyone edit when contactEditors is everyone', async () => {
      const open = await createTab({ permissions: { contactEditors: 'everyone' } });
      await call(as.reader).post(`/api/v1/tabs/${open.id}/contacts`, { givenName: 'Anyone' }).expect(201);
    });

    it('answers another tenant 404 on every route, as for an unknown id, and never lists its contacts', async () => {
      const unknownTab = await call(as.foreign).get(`/api/v1/tabs/${UNKNOWN_ID}/contacts`);
      expect(unknownTab.status).toBe(404);
      const foreignRoutes = [
        call(as.foreign).get(base),
        call(as.foreign).get(path),
        call(as.foreign).post(base, { givenName: 'x' }),
        call(as.foreign).patch(path, { givenName: 'x' }),
        call(as.foreign).delete(path),
        call(as.foreign).put(`${path}/favorite`),
        call(as.foreign).delete(`${path}/favorite`),
      ];
      for (const res of await Promise.all(foreignRoutes)) {
        expect(res.status).toBe(404);
        expect(res.body.error.message).toBe(unknownTab.body.error.message);
      }
      const everything = await call(as.foreign).get('/api/v1/contacts?$count=true').expect(200);
      expect(everything.body['@odata.count']).toBe(0);

      // A contact id of tenant 1 under a tab of tenant 2 is unknown too.
      const foreignTab = await createTab({}, as.foreign);
      await call(as.foreign).get(`/api/v1/tabs/${foreignTab.id}/contacts/${contact.id}`).expect(404);
      await call(as.foreign)
        .patch(`/api/v1/tabs/${foreignTab.id}/contacts/${contact.id}`, { givenName: 'x' })
        .expect(404);
      expect((await call(as.owner).get(path).expect(200)).body.givenName).toBe('Guarded');
    });

    it('answers 404 for a contact of another tab of the same tenant', async () => {
      const other = await createTab({ displayName: 'Elsewhere' });
      await call(as.owner).get(`/api/v1/tabs/${other.id}/contacts/${contact.id}`).expect(404);
      await call(as.owner).get(`${base}/not-a-uuid`).expect(404);
    });
  });

  describe('favourites', () => {
    it('marks per user, idempotently, without changing the contact’s ETag, and filters by it', async () => {
      const liked = await createContact({ givenName: 'Liked' });
      const plain = await createContact({ givenName: 'Plain' });
      const favorite = `${base}/${liked.id}/favorite`;

      const put = await call(as.reader).put(favorite);
      expect(put.status).toBe(204);
      expect(put.headers['cache-control']).toBe('no-store');
      await call(as.reader).put(favorite).expect(204);

      const mine = await call(as.reader).get(`${base}/${liked.id}`).expect(200);
      expect(mine.body.isFavorite).toBe(true);
      expect(mine.body['@odata.etag']).toBe(liked['@odata.etag']);
      expect(JSON.stringify(mine.body)).not.toContain(READER);
      const theirs = await call(as.owner).get(`${base}/${liked.id}`).expect(200);
      expect(theirs.body.isFavorite).toBe(false);

      const list = await call(as.reader).get(`${base}?$filter=isFavorite eq true`).expect(200);
      expect(list.body.value.map((c: any) => c.id)).toEqual([liked.id]);
      const notFavorites = await call(as.reader).get(`${base}?$filter=not isFavorite&$top=999`).expect(200);
      const ids = notFavorites.body.value.map((c: any) => c.id);
      expect(ids).toContain(plain.id);
      expect(ids).not.toContain(liked.id);
      expect((await call(as.owner).get(`${base}?$filter=isFavorite`).expect(200)).body.value).toEqual([]);
      const across = await call(as.reader).get('/api/v1/contacts?$filter=isFavorite eq true').expect(200);
      expect(across.body.value.map((c: any) => c.id)).toEqual([liked.id]);

      await call(as.reader).delete(favorite).expect(204);
      await call(as.reader).delete(favorite).expect(204);
      expect((await call(as.reader).get(`${base}/${liked.id}`)).body.isFavorite).toBe(false);
      await call(as.reader).put(`${base}/${UNKNOWN_ID}/favorite`).expect(404);
      await call(as.reader).get(`${base}?$orderby=isFavorite`).expect(400);
    });
  });

  describe('list, filter, sort, search', () => {
    let searchTab: any;
    let path: string;
    const people: Record<string, any> = {};

    beforeAll(async () => {
      searchTab = await createTab({ displayName: 'Search book' });
      path = `/api/v1/tabs/${searchTab.id}/contacts`;
      const seeds: Record<string, unknown> = {
        john: JOHN,
        joanna: {
          givenName: 'Joanna',
          surname: 'Smithers',
          companyName: 'Fabrikam',
          emailAddresses: [{ address: 'joanna@fabrikam.com' }],
          categories: ['Partner'],
          customFields: {
            industry: 'Énergie',
            rating: 2,
            tags: ['Gold', 'Silver'],
            since: '2019-03-01',
            vip: true,
          },
        },
        zoe: {
          givenName: 'Zoë',
          surname: 'Dupont',
          companyName: 'Électricité de France',
          emailAddresses: [{ address: 'zoe.dupont@edf.fr' }],
          phones: [{ number: '+33 1 40 42 22 22', type: 'mobile' }],
          customFields: { rating: 5, tags: ['Silver'], since: '2021-07-14', vip: false },
        },
        brien: { givenName: 'Seán', surname: "O'Brien", jobTitle: 'CTO', department: 'R&D' },
        company: { companyName: 'Northwind Traders', customFields: { account: 'Northwind-42' } },
      };
      for (const [name, body] of Object.entries(seeds)) people[name] = await createContact(body, path);
    });

    const ids = (res: request.Response) => res.body.value.map((c: any) => c.id);
    const list = async (query: string, token = as.owner) => {
      const res = await call(token).get(`${path}?${query}`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      return res;
    };

    it.each([
      ['jo smi', ['john', 'joanna']],
      ['john smith', ['john']],
      ['zoe', ['zoe']],
      ['ZOË dup', ['zoe']],
      ['electricite', ['zoe']],
      ['555-0109', ['john']],
      ['4255550109', ['john']],
      ['"1 40 42"', ['zoe']],
      ['"01 40 42"', []],
      ['fabrikam.com', ['joanna']],
      ['zoe.dupont@edf', ['zoe']],
      ['dupont@edf.fr', ['zoe']],
      ['partner', ['joanna']],
      ['obrien', []],
      ["o'brien", ['brien']],
      ['brien', ['brien']],
      ['sean cto', ['brien']],
      ['key', ['john']],
      ['northwind-4', ['company']],
      ['gold', ['joanna']],
      ['mith', []],
      ['.*', ['john', 'joanna', 'zoe', 'brien', 'company']],
    ])('$search=%s', async (search, expected) => {
      const res = await list(`$search=${encodeURIComponent(search)}`);
      expect(ids(res).sort()).toEqual(expected.map((name) => people[name].id).sort());
    });

    it.each([
      ["emailAddresses/any(e: endswith(e/address,'@contoso.com'))", ['john']],
      ["categories/any(c: c eq 'supplier')", ['john']],
      ["customFields/industry eq 'energie'", ['joanna']],
      ['customFields/rating ge 4', ['john', 'zoe']],
      ["customFields/tags/any(t: t eq 'Silver')", ['joanna', 'zoe']],
      ['customFields/since lt 2020-01-01', ['joanna']],
      ['year(customFields/since) eq 2021', ['zoe']],
      ['customFields/vip eq true', ['joanna']],
      ["startswith(customFields/account,'north')", ['company']],
      ["phones/any(p: p/type eq 'mobile')", ['zoe']],
      ["startswith(displayName,'jo') and companyName ne null", ['john', 'joanna']],
      ["jobTitle eq 'cto' or department eq 'r&d'", ['brien']],
    ])('$filter=%s', async (filter, expected) => {
      const res = await list(`$filter=${encodeURIComponent(filter)}`);
      expect(ids(res).sort()).toEqual(expected.map((name) => people[name].id).sort());
    });

    it('sorts case- and accent-insensitively, by custom fields too, and counts', async () => {
      const bySurname = await list('$orderby=surname desc&$filter=surname ne null&$count=true');
      expect(bySurname.body['@odata.count']).toBe(4);
      expect(bySurname.body.value.map((c: any) => c.surname)).toEqual([
        'Smithers',
        'Smith',
        "O'Brien",
        'Dupont',
      ]);
      const byRating = await list('$orderby=customFields/rating desc&$filter=customFields/rating ne null');
      expect(byRating.body.value.map((c: any) => c.customFields.rating)).toEqual([5, 4, 2]);
      const selected = await list('$select=displayName,customFields/industry&$orderby=displayName&$top=1');
      expect(selected.body.value[0]).toEqual({
        id: people.joanna.id,
        displayName: 'Joanna Smithers',
        customFields: { industry: 'Énergie' },
        '@odata.etag': 'W/"1"',
      });
    });

    it('pages through every contact with @odata.nextLink', async () => {
      const seen: string[] = [];
      let next: string | undefined = `${path}?$top=2&$orderby=displayName`;
      while (next) {
        const url: URL = new URL(next, api.url);
        const res: request.Response = await call(as.owner).get(`${url.pathname}${url.search}`).expect(200);
        seen.push(...ids(res));
        next = res.body['@odata.nextLink'];
      }
      expect(seen.sort()).toEqual(
        Object.values(people)
          .map((p) => p.id)
          .sort(),
      );
    });

    it.each([
      ['an unknown custom field', "$filter=customFields/shoeSize eq 'x'"],
      ['a wrongly typed custom value', "$filter=customFields/rating eq 'four'"],
      ['the hidden favourites list', "$filter=favoritedBy eq 'x'"],
      ['the search keys', "$filter=searchKeys eq 'x'"],
      ['OR in $search', '$search=a OR b'],
    ])('refuses %s with 400', async (_label, query) => {
      const res = await call(as.owner).get(`${path}?${query.replace(/ /g, '%20')}`);
      expect(res.status).toBe(400);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('searches every tab of the tenant, each result with its tabId', async () => {
      const inFirstTab = await createContact(JOHN);
      const res = await call(as.reader).get('/api/v1/contacts?$search=jo%20smi&$count=true').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const tabs = new Set(res.body.value.map((c: any) => c.tabId));
      expect(tabs.has(searchTab.id)).toBe(true);
      expect(tabs.has(tab.id)).toBe(true);
      const found = res.body.value.map((c: any) => c.id);
      expect(found).toEqual(expect.arrayContaining([people.john.id, people.joanna.id, inFirstTab.id]));
      expect(found).not.toContain(people.zoe.id);
      expect(res.body['@odata.count']).toBe(found.length);
      const inTab = await call(as.reader)
        .get(
          `/api/v1/contacts?$filter=${encodeURIComponent(`tabId eq '${searchTab.id}'`)}&$orderby=displayName desc`,
        )
        .expect(200);
      expect(inTab.body.value.map((c: any) => c.id).sort()).toEqual(
        Object.values(people)
          .map((p) => p.id)
          .sort(),
      );
      const custom = await call(as.reader).get(
        `/api/v1/contacts?$filter=${encodeURIComponent('customFields/rating gt 1')}`,
      );
      expect(custom.status).toBe(400);
      const unsortable = await call(as.reader).get('/api/v1/contacts?$orderby=surname');
      expect(unsortable.status).toBe(400);
    });
  });

  describe('the tab keeps its contacts consistent', () => {
    it('refuses (409) to change the type of a custom field that contacts use, allows an unused one', async () => {
      const own = await createTab();
      await createContact(
        { givenName: 'Rated', customFields: { rating: 3 } },
        `/api/v1/tabs/${own.id}/contacts`,
      );
      const fields = own.customFields.map((field: any) =>
        field.key === 'rating' ? { ...field, type: 'text' } : field,
      );
      const conflict = await call(as.owner).patch(`/api/v1/tabs/${own.id}`, { customFields: fields });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.details).toEqual([
        expect.objectContaining({ code: 'FieldInUse', target: 'customFields.1.type' }),
      ]);
      const unused = own.customFields.map((field: any) =>
        field.key === 'vip' ? { ...field, type: 'text' } : field,
      );
      await call(as.owner).patch(`/api/v1/tabs/${own.id}`, { customFields: unused }).expect(200);
    });

    it('removes a removed custom field’s values, normalized keys and search keys from the contacts', async () => {
      const own = await createTab();
      const path = `/api/v1/tabs/${own.id}/contacts`;
      const contact = await createContact(
        { givenName: 'Keyed', customFields: { account: 'Zanzibar', rating: 1 } },
        path,
      );
      expect((await call(as.owner).get(`${path}?$search=zanzibar`)).body.value).toHaveLength(1);
      const remaining = own.customFields.filter((field: any) => field.key !== 'account');
      await call(as.owner).patch(`/api/v1/tabs/${own.id}`, { customFields: remaining }).expect(200);

      const document = await contacts().findOne({ _id: contact.id } as never);
      expect(document?.customFields).toEqual({ rating: 1 });
      expect(document?.norm.customFields ?? {}).not.toHaveProperty('account');
      expect(document?.searchKeys).not.toContain('zanzibar');
      expect((await call(as.owner).get(`${path}?$search=zanzibar`)).body.value).toEqual([]);
      const read = await call(as.owner).get(`${path}/${contact.id}`).expect(200);
      expect(read.body.customFields).toEqual({ rating: 1 });
      expect(read.body['@odata.etag']).toBe('W/"2"');
    });

    it('deletes a deleted tab’s contacts and their favourites', async () => {
      const own = await createTab();
      const path = `/api/v1/tabs/${own.id}/contacts`;
      const contact = await createContact({ givenName: 'Doomed' }, path);
      await call(as.reader).put(`${path}/${contact.id}/favorite`).expect(204);
      await call(as.owner).delete(`/api/v1/tabs/${own.id}`).expect(204);
      expect(await contacts().countDocuments({ tabId: own.id })).toBe(0);
      await call(as.owner).get(path).expect(404);
      const everywhere = await call(as.reader).get('/api/v1/contacts?$filter=isFavorite eq true').expect(200);
      expect(everywhere.body.value.map((c: any) => c.id)).not.toContain(contact.id);
    });
  });

  describe('Cache-Control: no-store on every contact response', () => {
    it.each([
      ['401 without a token', () => request(api.url).get(base)],
      ['401 on the cross-tab search', () => request(api.url).get('/api/v1/contacts')],
      ['404 for an unknown tab', () => call(as.owner).get(`/api/v1/tabs/${UNKNOWN_ID}/contacts`)],
      ['400 for a bad $filter', () => call(as.owner).get(`${base}?$filter=nope%20eq%201`)],
      ['400 for a bad body', () => call(as.owner).post(base, { shoeSize: 44 })],
      [
        '400 for malformed JSON',
        () =>
          request(api.url)
            .post(base)
            .set('authorization', bearer(as.owner))
            .set('content-type', 'application/json')
            .send('{"givenName":'),
      ],
      [
        '413 for a 2 MiB body',
        () => call(as.owner).post(base, { givenName: 'x', notes: 'a'.repeat(2 * 1024 * 1024) }),
      ],
      ['200 for the cross-tab search', () => call(as.owner).get('/api/v1/contacts')],
    ])('%s', async (_label, send) => {
      const res = await send();
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.headers['cache-control']).toBe('no-store');
      if (res.status >= 400) expect(res.body.error.code).toEqual(expect.any(String));
    });

    it('leaves other routes alone', async () => {
      const res = await call(as.owner).get(`/api/v1/tabs/${tab.id}`).expect(200);
      expect(res.headers['cache-control']).toBeUndefined();
    });
  });

  describe('bad input changes nothing', () => {
    const long = 'x'.repeat(10_000);
    const email = (i: number) => ({ address: `person${i}@contoso.com` });
    /** [label, body, targets of the error details (undefined: only the status is checked)] */
    const cases: Array<[string, Record<string, unknown>, string[] | undefined]> = [
      ...CONTACT_TEXT_FIELDS.map((field): [string, Record<string, unknown>, string[]] => [
        `an operator object in ${field}`,
        { [field]: { $gt: '' } },
        [field],
      ]),
      ['an operator object in notes', { notes: { $ne: null } }, ['notes']],
      ['an operator object in birthday', { birthday: { $gt: '' } }, ['birthday']],
      [
        'an operator object as emailAddresses',
        { emailAddresses: { $gt: '' } },
        ['emailAddresses', 'emailAddresses.$gt', 'emailAddresses.address'],
      ],
      [
        'an operator object in an address',
        { emailAddresses: [{ address: { $gt: '' } }] },
        ['emailAddresses.0.address'],
      ],
      [
        'an operator object in a phone',
        { phones: [{ number: { $ne: null }, type: 'home' }] },
        ['phones.0.number'],
      ],
      [
        'an operator object in a postal address',
        { addresses: [{ type: 'home', city: { $gt: '' } }] },
        ['addresses.0.city'],
      ],
      ['an operator object in websites', { websites: [{ $gt: '' }] }, ['websites']],
      ['an operator object in categories', { categories: [{ $gt: '' }] }, ['categories']],
      ['an operator object as categories', { categories: { $in: ['Supplier'] } }, ['categories']],
      [
        'an operator object as a custom value',
        { customFields: { account: { $gt: '' } } },
        ['customFields.account'],
      ],
      [
        'an operator object as customFields',
        { customFields: { $where: 'sleep(100)' } },
        ['customFields.$where'],
      ],
      ['a $ key', { $set: { tenantId: 'x' } }, ['$set']],
      ['a dotted key', { 'norm.displayName': 'x' }, ['norm.displayName']],
      [
        'a $ key in an address',
        { emailAddresses: [{ address: 'a@b.co', $inc: 1 }] },
        ['emailAddresses.0.$inc'],
      ],
      ['a dotted custom key', { customFields: { 'account.x': 'y' } }, ['customFields.account.x']],
      [
        'read-only properties',
        { id: 'x', tenantId: TENANT_2, isFavorite: true },
        ['id', 'tenantId', 'isFavorite'],
      ],
      ['a script tag in notes', { notes: '<p>hi</p><script>alert(1)</script>' }, ['notes']],
      ['a javascript: link in notes', { notes: '<a href="javascript:alert(1)">x</a>' }, ['notes']],
      ['an event handler in notes', { notes: '<p onmouseover="alert(1)">x</p>' }, ['notes']],
      ['notes over 64 KiB', { notes: 'é'.repeat(40_000) }, ['notes']],
      ['a 10 000-character given name', { givenName: long }, ['givenName']],
      ['a 10 000-character company', { companyName: long }, ['companyName']],
      ['a line break in a name', { surname: 'a\nb' }, ['surname']],
      [
        '11 e-mail addresses',
        { emailAddresses: Array.from({ length: 11 }, (_, i) => email(i)) },
        ['emailAddresses'],
      ],
      [
        'a bad e-mail address',
        { emailAddresses: [{ address: 'not-an-address' }] },
        ['emailAddresses.0.address'],
      ],
      [
        '11 phones',
        { phones: Array.from({ length: 11 }, () => ({ number: '555 0100', type: 'home' })) },
        ['phones'],
      ],
      [
        'a phone type outside the list',
        { phones: [{ number: '555 0100', type: 'pager' }] },
        ['phones.0.type'],
      ],
      ['a phone number of letters', { phones: [{ number: 'call me', type: 'home' }] }, ['phones.0.number']],
      [
        '6 postal addresses',
        { addresses: Array.from({ length: 6 }, () => ({ type: 'home' })) },
        ['addresses'],
      ],
      ['6 websites', { websites: Array.from({ length: 6 }, (_, i) => `https://s${i}.com`) }, ['websites']],
      ['a javascript: website', { websites: ['javascript:alert(1)'] }, ['websites']],
      ['an ftp website', { websites: ['ftp://contoso.com'] }, ['websites']],
      ['an impossible birthday', { birthday: '2023-02-30' }, ['birthday']],
      ['a birthday with a time', { birthday: '2023-02-03T10:00:00Z' }, ['birthday']],
      ['a custom number as text', { customFields: { rating: 'four' } }, ['customFields.rating']],
      ['a custom boolean as text', { customFields: { vip: 'yes' } }, ['customFields.vip']],
      ['a custom date as text', { customFields: { since: 'yesterday' } }, ['customFields.since']],
      ['a choice outside the list', { customFields: { industry: 'Mining' } }, ['customFields.industry']],
      ['a multiChoice as a string', { customFields: { tags: 'Gold' } }, ['customFields.tags']],
      [
        'a custom text over its maxLength',
        { customFields: { account: 'y'.repeat(21) } },
        ['customFields.account'],
      ],
      ['an unknown custom field', { customFields: { shoeSize: 44 } }, ['customFields.shoeSize']],
      ['customFields as an array', { customFields: ['x'] }, ['customFields']],
      ['an unknown category', { categories: ['Supplier', 'Competitor'] }, ['categories.1']],
      ['an unknown property', { colour: 'blue' }, ['colour']],
    ];

    async function expectRefused(res: request.Response, targets: string[] | undefined): Promise<void> {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.error.code).toEqual(expect.any(String));
      if (targets) expect(res.body.error.details.map((d: { target: string }) => d.target)).toEqual(targets);
    }

    it.each(['0035-05-09', '0001-01-01', '9999-12-31', '2024-02-29'])(
      'takes a birthday of %s, a real day of any four-digit year, as OpenAPI format date allows',
      async (birthday) => {
        const res = await call(as.owner).post(base, { givenName: 'Dated', birthday });
        expect(res.status).toBe(201);
        expect(res.body.birthday).toBe(birthday);
        await call(as.owner).delete(`${base}/${res.body.id}`).expect(204);
      },
    );

    it.each(cases)(
      'refuses a contact with %s: 4xx, the error body, nothing stored',
      async (_label, body, targets) => {
        const before = await stored();
        const res = await call(as.owner).post(base, { givenName: 'Valid', ...body });
        await expectRefused(res, targets);
        expect(await stored()).toEqual(before);
      },
    );

    it.each(cases)(
      'refuses a patch with %s and leaves the contact as it was',
      async (_label, body, targets) => {
        const contact = await createContact({ ...JOHN, emailAddresses: [] });
        const before = await stored();
        const res = await call(as.owner).patch(`${base}/${contact.id}`, body);
        await expectRefused(res, targets);
        expect(await stored()).toEqual(before);
      },
    );

    it('refuses null where a create would store a hole, and a contact with nothing to show', async () => {
      const before = await stored();
      await expectRefused(await call(as.owner).post(base, { givenName: null, surname: 'x' }), ['givenName']);
      await expectRefused(await call(as.owner).post(base, {}), ['displayName']);
      await expectRefused(await call(as.owner).post(base, { givenName: '   ' }), ['displayName']);
      expect(await stored()).toEqual(before);
    });

    it('refuses a required custom field left out of a create, or cleared by a patch', async () => {
      const strict = await createTab({
        customFields: [{ key: 'account', label: 'Account', type: 'text', required: true }],
      });
      const path = `/api/v1/tabs/${strict.id}/contacts`;
      await expectRefused(await call(as.owner).post(path, { givenName: 'x' }), ['customFields.account']);
      const contact = await createContact({ givenName: 'x', customFields: { account: 'A' } }, path);
      const before = await stored();
      await expectRefused(
        await call(as.owner).patch(`${path}/${contact.id}`, { customFields: { account: null } }),
        ['customFields.account'],
      );
      expect(await stored()).toEqual(before);
    });

    it.each([
      ['__proto__', '{"givenName":"x","__proto__":{"isAdmin":true}}'],
      ['constructor.prototype', '{"givenName":"x","constructor":{"prototype":{"polluted":1}}}'],
      ['__proto__ in customFields', '{"givenName":"x","customFields":{"__proto__":{"rating":1}}}'],
      ['a 2 MiB body', JSON.stringify({ givenName: 'x', notes: 'a'.repeat(2 * 1024 * 1024) })],
    ])('refuses %s on create and patch', async (_label, raw) => {
      const contact = await createContact({ givenName: 'Target' });
      const before = await stored();
      for (const send of [request(api.url).post(base), request(api.url).patch(`${base}/${contact.id}`)]) {
        const res = await send
          .set('authorization', bearer(as.owner))
          .set('content-type', 'application/json')
          .send(raw);
        await expectRefused(res, undefined);
      }
      expect(await stored()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
