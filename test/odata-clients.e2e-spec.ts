import buildQuery, { type QueryOptions } from 'odata-query';
import { callerOf } from './support/http';
import { startTestApp, type TestApp } from './support/app';
import { TENANT_1, TokenFactory, USER_A } from './support/tokens';

/**
 * What OData client libraries send: queries built by `odata-query` (the most used query builder for
 * front-ends), in its default output, against a tab's contacts. Each query must return exactly the
 * contacts it describes. The builder writes lambdas as `categories/any(categories:categories eq 'x')`,
 * with the property's name as the variable and no space after the ':'.
 */
type Contact = Record<string, unknown>;

const SEEDS: Record<string, Contact> = {
  ada: {
    givenName: 'Ada',
    surname: 'Lovelace',
    companyName: 'Contoso Ltd',
    categories: ['Supplier'],
    emailAddresses: [{ address: 'ada@contoso.com', name: 'Ada' }],
    phones: [{ number: '+1 425 555 0109', type: 'business' }],
    birthday: '1985-12-10',
    customFields: { industry: 'Retail', rating: 5, tags: ['Gold'], since: '2019-03-01' },
  },
  bob: {
    givenName: 'Bob',
    surname: 'Martin',
    companyName: 'Fabrikam',
    categories: ['Supplier', 'Partner'],
    emailAddresses: [{ address: 'bob@fabrikam.com' }, { address: 'bob@contoso.com', name: 'Bob' }],
    phones: [
      { number: '+1 206 555 0100', type: 'business' },
      { number: '+44 20 7946 0958', type: 'mobile' },
    ],
    birthday: '1992-06-01',
    customFields: { industry: 'Énergie', rating: 3, tags: ['Gold', 'Silver'], since: '2021-01-15' },
  },
  chloe: {
    givenName: 'Chloé',
    surname: 'Durand',
    companyName: 'Électricité de France',
    categories: ['partner'],
    emailAddresses: [{ address: 'chloe@edf.fr' }],
    phones: [{ number: '+33 1 23 45 67 89', type: 'mobile' }],
    customFields: { rating: 4, tags: ['Silver'] },
  },
  // No categories, no e-mail addresses or phones, no custom fields: every all() holds, no any() does.
  dan: { givenName: 'Dan', surname: 'Park' },
  eve: {
    givenName: 'Eve',
    surname: 'Adams',
    companyName: 'Contoso Pharma',
    categories: ['Customer'],
    emailAddresses: [{ address: 'eve@contoso.com' }],
    phones: [{ number: '+1 (425) 555-0199', type: 'mobile' }],
    birthday: '1978-02-28',
    customFields: { industry: 'retail', rating: 2, tags: ['Bronze'], since: '2023-05-05' },
  },
};

type Name = keyof typeof SEEDS;

describe('OData clients: odata-query against a tab’s contacts', () => {
  let api: TestApp;
  let caller: ReturnType<typeof callerOf>;
  let path: string;
  const ids: Record<string, string> = {};
  let seededFrom: Date;
  let seededUntil: Date;

  beforeAll(async () => {
    api = await startTestApp('odata_clients', { RATE_LIMIT_PER_USER: '100000' });
    const tokens = await TokenFactory.for(api);
    caller = callerOf(api.url, tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adèle Vance' }));
    const tab = await caller
      .post('/api/v1/tabs', {
        channelId: '19:clients@thread.tacv2',
        channelName: 'Purchasing',
        displayName: 'Vendors',
        customFields: [
          {
            key: 'industry',
            label: 'Industry',
            type: 'choice',
            choices: [{ value: 'Retail' }, { value: 'Énergie' }],
          },
          { key: 'rating', label: 'Rating', type: 'number' },
          {
            key: 'tags',
            label: 'Tags',
            type: 'multiChoice',
            choices: [{ value: 'Gold' }, { value: 'Silver' }, { value: 'Bronze' }],
          },
          { key: 'since', label: 'Since', type: 'date' },
        ],
        categories: [
          { name: 'Supplier', color: '#00ff00' },
          { name: 'Partner', color: '#0000ff' },
          { name: 'Customer', color: '#ff0000' },
        ],
      })
      .expect(201);
    path = `/api/v1/tabs/${tab.body.id}/contacts`;
    seededFrom = new Date(Date.now() - 1000);
    for (const [name, body] of Object.entries(SEEDS)) {
      ids[name] = (await caller.post(`${path}?allowDuplicate=true`, body).expect(201)).body.id;
    }
    // Bob alone is modified after this instant.
    seededUntil = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await caller.patch(`${path}/${ids.bob}`, { jobTitle: 'Buyer' }).expect(200);
  });

  afterAll(async () => {
    await api?.close();
  });

  /** GET with the builder's query string as is; the ids of every contact of the answer. */
  async function found(options: Partial<QueryOptions<Contact>>): Promise<string[]> {
    const query = buildQuery(options);
    const res = await caller.get(`${path}${query}`);
    if (res.status !== 200) throw new Error(`${decodeURIComponent(query)}: ${res.status} ${res.text}`);
    return res.body.value.map((contact: Contact) => contact.id as string);
  }

  const sorted = (names: Name[]) => names.map((name) => ids[name]).sort();

  it.each<[string, Partial<QueryOptions<Contact>>['filter'], Name[]]>([
    ['any() over categories', { categories: { any: { '': 'Supplier' } } }, ['ada', 'bob']],
    ['any() over categories, other case', { categories: { any: { '': 'PARTNER' } } }, ['bob', 'chloe']],
    [
      'all() with eq: an empty collection passes',
      { categories: { all: { '': 'Supplier' } } },
      ['ada', 'dan'],
    ],
    [
      'all() with in',
      { categories: { all: { '': { in: ['Supplier', 'Partner'] } } } },
      ['ada', 'bob', 'chloe', 'dan'],
    ],
    ['all() with startswith', { categories: { all: { '': { startswith: 'Sup' } } } }, ['ada', 'dan']],
    ['all() with ne', { categories: { all: { '': { ne: 'Partner' } } } }, ['ada', 'dan', 'eve']],
    [
      'all() with not (eq)',
      { categories: { all: { not: { '': { eq: 'Partner' } } } } },
      ['ada', 'dan', 'eve'],
    ],
    [
      'any() and all() together',
      { and: [{ categories: { any: {} } }, { categories: { all: { '': 'Supplier' } } }] },
      ['ada'],
    ],
    [
      'any() over e-mail addresses, contains',
      { emailAddresses: { any: { address: { contains: 'contoso' } } } },
      ['ada', 'bob', 'eve'],
    ],
    [
      'all() over e-mail addresses, not endswith',
      { emailAddresses: { all: { not: { address: { endswith: '.fr' } } } } },
      ['ada', 'bob', 'dan', 'eve'],
    ],
    [
      'all() over e-mail addresses, endswith (every element has an address)',
      { emailAddresses: { all: { address: { endswith: '@contoso.com' } } } },
      ['ada', 'dan', 'eve'],
    ],
    [
      'all() over e-mail addresses, eq',
      { emailAddresses: { all: { address: 'chloe@edf.fr' } } },
      ['chloe', 'dan'],
    ],
    [
      'any() over e-mail addresses, not endswith',
      { emailAddresses: { any: { not: { address: { endswith: '.com' } } } } },
      ['chloe'],
    ],
    [
      'all() over phones, startswith (every phone has a number)',
      { phones: { all: { number: { startswith: '+1' } } } },
      ['ada', 'dan', 'eve'],
    ],
    ['any() over phones, ne', { phones: { any: { type: { ne: 'business' } } } }, ['bob', 'chloe', 'eve']],
    ['in', { 'customFields/industry': { in: ['Retail', 'energie'] } }, ['ada', 'bob', 'eve']],
    ['not in', { not: { 'customFields/industry': { in: ['Retail'] } } }, ['bob', 'chloe', 'dan']],
    [
      'nested and / or / not',
      {
        and: [
          { or: [{ companyName: { startswith: 'Contoso' } }, { 'customFields/rating': { ge: 4 } }] },
          { not: { categories: { any: { '': 'Partner' } } } },
        ],
      },
      ['ada', 'eve'],
    ],
    [
      'or of and and not, three levels deep',
      {
        or: [
          {
            not: { and: [{ surname: { ne: 'Park' } }, { or: [{ givenName: 'Ada' }, { givenName: 'Bob' }] }] },
          },
          { 'customFields/rating': 3 },
        ],
      },
      ['bob', 'chloe', 'dan', 'eve'],
    ],
    ['contains', { displayName: { contains: 'an' } }, ['chloe', 'dan']],
    ['startswith through tolower', { 'tolower(companyName)': { startswith: 'contoso' } }, ['ada', 'eve']],
    ['a number range on a custom field', { 'customFields/rating': { gt: 2, le: 4 } }, ['bob', 'chloe']],
    [
      'a date on a custom field',
      { 'customFields/since': { ge: { type: 'raw', value: '2020-01-01' } } },
      ['bob', 'eve'],
    ],
    ['an Edm.Date property', { birthday: { lt: { type: 'raw', value: '1990-01-01' } } }, ['ada', 'eve']],
    [
      'any() over a multi-choice custom field',
      { customFields: { tags: { any: { '': 'Gold' } } } },
      ['ada', 'bob'],
    ],
    [
      'all() over a multi-choice custom field',
      { customFields: { tags: { all: { '': 'gold' } } } },
      ['ada', 'dan'],
    ],
  ])('%s', async (_, filter, expected) => {
    expect((await found({ filter })).sort()).toEqual(sorted(expected));
  });

  it('compares dates as the builder writes them (Date objects, with milliseconds)', async () => {
    const created = await found({ filter: { createdDateTime: { ge: seededFrom, le: new Date() } } });
    expect(created.sort()).toEqual(sorted(['ada', 'bob', 'chloe', 'dan', 'eve']));
    expect(await found({ filter: { lastModifiedDateTime: { gt: seededUntil } } })).toEqual([ids.bob]);
    expect(await found({ filter: { createdDateTime: { lt: seededFrom } } })).toEqual([]);
  });

  it('selects, sorts, pages and counts as the builder asks', async () => {
    const query = buildQuery<Contact>({
      filter: { categories: { all: { '': { ne: 'Customer' } } } },
      select: ['displayName', 'categories'],
      orderBy: ['surname desc'],
      top: 3,
      count: true,
    });
    const res = await caller.get(`${path}${query}`).expect(200);
    expect(res.body['@odata.count']).toBe(4);
    expect(res.body.value.map((contact: Contact) => contact.id)).toEqual([ids.dan, ids.bob, ids.ada]);
    expect(Object.keys(res.body.value[0]).sort()).toEqual(['@odata.etag', 'categories', 'displayName', 'id']);
  });

  it('answers a lambda over a slash-named key, which the builder writes wrongly, with a clear 400', async () => {
    // `{ 'customFields/tags': { all: … } }` gives `customFields/tags/all(customfields/tags:…)`: a lambda
    // variable cannot hold '/'. The nested form `{ customFields: { tags: { all: … } } }` is right.
    const query = buildQuery<Contact>({ filter: { 'customFields/tags': { all: { '': 'Gold' } } } });
    expect(decodeURIComponent(query)).toContain('all(customfields/tags:');
    const res = await caller.get(`${path}${query}`).expect(400);
    expect(res.body.error).toMatchObject({ code: 'BadRequest', target: '$filter' });
    expect(res.body.error.message).toMatch(/expected a lambda variable/);
  });

  it('refuses all() over a member an element may lack, saying what works', async () => {
    const query = buildQuery<Contact>({ filter: { emailAddresses: { all: { name: { eq: 'Ada' } } } } });
    const res = await caller.get(`${path}${query}`).expect(400);
    expect(res.body.error.message).toMatch(
      /elements that have no name.*inside all\(\) use ne, not startswith.*on emailaddresses\/address, which every element has, all of these work/,
    );
  });
});
