import type { CustomFieldDefinition } from '../../contact-fields';
import { contactModelForTab } from './contact.entity-model';
import {
  applyContactInput,
  contactFieldsOf,
  EMPTY_CONTACT,
  storedContactFields,
  toContactResource,
  type TabRules,
} from './contact-mapping';
import { customFieldValue, isCalendarDate } from './contact-values';
import type { Contact } from './contact.schema';

const FIELDS: CustomFieldDefinition[] = [
  {
    key: 'industry',
    label: 'Industry',
    type: 'choice',
    required: false,
    choices: [{ value: 'Retail' }, { value: 'Énergie' }],
  },
  { key: 'rating', label: 'Rating', type: 'number', required: false },
  { key: 'account', label: 'Account', type: 'text', required: true, maxLength: 10 },
  {
    key: 'tags',
    label: 'Tags',
    type: 'multiChoice',
    required: false,
    choices: [{ value: 'A' }, { value: 'B' }],
  },
  { key: 'since', label: 'Since', type: 'date', required: false },
  { key: 'vip', label: 'VIP', type: 'boolean', required: false },
  { key: 'memo', label: 'Memo', type: 'multilineText', required: false },
];
const RULES: TabRules = {
  customFields: FIELDS,
  categories: [
    { name: 'Supplier', color: '#000000' },
    { name: 'Partner', color: '#ffffff' },
  ],
};

function create(input: Record<string, unknown>) {
  return applyContactInput(EMPTY_CONTACT, { customFields: { account: 'A-1' }, ...input }, RULES, 'create');
}

describe('contact mapping', () => {
  it('builds the display name from the names, else nickname, company, first e-mail', () => {
    expect(create({ givenName: 'Zoë', middleName: 'A.', surname: 'Dupont' }).fields.displayName).toBe(
      'Zoë A. Dupont',
    );
    expect(create({ companyName: 'Contoso' }).fields.displayName).toBe('Contoso');
    expect(create({ emailAddresses: [{ address: 'a@b.co' }] }).fields.displayName).toBe('a@b.co');
    expect(create({ displayName: 'Chosen', givenName: 'X' }).fields.displayName).toBe('Chosen');
    expect(create({}).problems.map((p) => p.target)).toEqual(['displayName']);
  });

  it('keeps a chosen display name on patch, and lets a built one follow the names', () => {
    const built = create({ givenName: 'John', surname: 'Smith' }).fields;
    expect(applyContactInput(built, { surname: 'Smyth' }, RULES, 'update').fields.displayName).toBe(
      'John Smyth',
    );
    const chosen = create({ displayName: 'Johnny', givenName: 'John' }).fields;
    expect(applyContactInput(chosen, { givenName: 'Jon' }, RULES, 'update').fields.displayName).toBe(
      'Johnny',
    );
    expect(applyContactInput(chosen, { displayName: null }, RULES, 'update').fields.displayName).toBe('John');
  });

  it('clears with null or an empty string and keeps what a patch leaves out', () => {
    const current = create({
      givenName: 'A',
      jobTitle: 'CTO',
      birthday: '1990-01-02',
      categories: ['partner'],
    }).fields;
    const { fields, problems } = applyContactInput(
      current,
      { jobTitle: null, birthday: '', givenName: undefined },
      RULES,
      'update',
    );
    expect(problems).toEqual([]);
    expect(fields).toMatchObject({ givenName: 'A', categories: ['Partner'] });
    expect(fields.jobTitle).toBeUndefined();
    expect(fields.birthday).toBeUndefined();
  });

  it('stores categories with the tab’s spelling and refuses unknown ones', () => {
    expect(create({ categories: ['SUPPLIER', 'supplier', 'partner'] }).fields.categories).toEqual([
      'Supplier',
      'Partner',
    ]);
    expect(create({ givenName: 'x', categories: ['Supplier', 'Competitor'] }).problems).toEqual([
      { code: 'InvalidValue', target: 'categories.1', message: "'Competitor' is not a category of this tab" },
    ]);
  });

  it('checks custom fields against their definitions', () => {
    const ok = create({
      givenName: 'x',
      customFields: {
        account: '  A-2 ',
        industry: 'energie',
        rating: 4.5,
        tags: ['b', 'A', 'B'],
        since: '2020-02-29',
        vip: false,
        memo: 'two\nlines',
      },
    });
    expect(ok.problems).toEqual([]);
    expect(ok.fields.customFields).toEqual({
      account: 'A-2',
      industry: 'Énergie',
      rating: 4.5,
      tags: ['B', 'A'],
      since: '2020-02-29',
      vip: false,
      memo: 'two\nlines',
    });
    const bad = create({
      givenName: 'x',
      customFields: {
        account: 'far too long text',
        industry: 'Mining',
        rating: '4',
        tags: 'A',
        since: '2021-02-29',
        vip: 'yes',
        $where: 'sleep(1000)',
        'a.b': 1,
      },
    });
    expect(bad.problems.map((p) => p.target)).toEqual([
      'customFields.account',
      'customFields.industry',
      'customFields.rating',
      'customFields.tags',
      'customFields.since',
      'customFields.vip',
      'customFields.$where',
      'customFields.a.b',
    ]);
  });

  it('requires required fields on create, and refuses clearing them on patch only', () => {
    const missing = applyContactInput(EMPTY_CONTACT, { givenName: 'x' }, RULES, 'create');
    expect(missing.problems.map((p) => p.target)).toEqual(['customFields.account']);
    const current = create({ givenName: 'x' }).fields;
    const withoutRequired = { ...current, customFields: {} };
    expect(applyContactInput(withoutRequired, { jobTitle: 'CEO' }, RULES, 'update').problems).toEqual([]);
    expect(
      applyContactInput(current, { customFields: { account: null } }, RULES, 'update').problems.map(
        (p) => p.target,
      ),
    ).toEqual(['customFields.account']);
  });

  it('drops values of custom fields the tab no longer defines', () => {
    const current = { ...create({ givenName: 'x' }).fields, customFields: { account: 'A', gone: 'x' } };
    expect(applyContactInput(current, { jobTitle: 'CEO' }, RULES, 'update').fields.customFields).toEqual({
      account: 'A',
    });
  });

  it('sanitizes notes and reports active content', () => {
    expect(create({ givenName: 'x', notes: '<p>Hi <span>there</span></p>' }).fields.notes).toBe(
      '<p>Hi there</p>',
    );
    expect(create({ givenName: 'x', notes: '<script>x</script>' }).problems.map((p) => p.target)).toEqual([
      'notes',
    ]);
  });

  it('stores notes trimmed, as a file gives them back, and stores what it stored again unchanged', () => {
    for (const notes of [
      '  <p>Tom &amp; Jerry &lt;3</p>\r\n',
      '<p>a > b, "c" \'d\' &nbsp;é 😀</p><br/><ul><li>x</li></ul>',
      '<a href="https://x.example/?a=1&b=2">link</a> <a href="mailto:a@b.example">m</a>',
      '<p>Hi <span class="x">there</span></p>\n',
    ]) {
      const stored = create({ givenName: 'x', notes }).fields.notes as string;
      expect(stored).toBe(stored.trim());
      expect(create({ givenName: 'x', notes: stored }).fields.notes).toBe(stored);
    }
  });

  it('stores normalized keys, phone digits and search keys', () => {
    const { fields } = create({
      givenName: 'Zoë',
      surname: 'Dupont',
      companyName: 'Contoso Ltd',
      emailAddresses: [{ address: 'Zoe.Dupont@Contoso.com' }],
      phones: [{ number: '+33 1 23 45 67 89', type: 'business' }],
      categories: ['supplier'],
      customFields: { account: 'Key Acct', industry: 'retail', rating: 3, since: '2020-01-01' },
    });
    const stored = storedContactFields(fields, contactModelForTab(FIELDS));
    expect(stored.phones).toEqual([{ number: '+33 1 23 45 67 89', type: 'business', digits: '33123456789' }]);
    expect(stored.norm).toMatchObject({
      displayName: 'zoe dupont',
      givenName: 'zoe',
      companyName: 'contoso ltd',
      emailAddresses: [{ address: 'zoe.dupont@contoso.com' }],
      categories: ['supplier'],
      customFields: { account: 'key acct', industry: 'retail' },
    });
    expect(stored.norm).not.toHaveProperty('notes');
    expect(stored.searchKeys).toEqual(
      expect.arrayContaining([
        'zoe',
        'dupont',
        'contoso',
        'ltd',
        'zoe.dupont@contoso.com',
        'dupont@contoso.com',
        'contoso.com',
        '33123456789',
        '123456789',
        '89',
        'supplier',
        'key',
        'acct',
        'retail',
      ]),
    );
    expect(stored.searchKeys).not.toContain('2020-01-01');
  });

  it('shows the caller’s own favourite mark and never who else marked it', () => {
    const { fields } = create({ givenName: 'x' });
    const stored = storedContactFields(fields, contactModelForTab(FIELDS));
    const contact = {
      ...stored,
      _id: 'c1',
      tabId: 't1',
      tenantId: 'tenant',
      favoritedBy: ['u1', 'u2'],
      version: 3,
    } as unknown as Contact;
    const resource = toContactResource(contact, 'u2');
    expect(resource.isFavorite).toBe(true);
    expect(toContactResource(contact, 'u3').isFavorite).toBe(false);
    expect(resource['@odata.etag']).toBe('W/"3"');
    const text = JSON.stringify(resource);
    for (const hidden of ['favoritedBy', 'u1', 'searchKeys', 'norm', 'tenant', 'digits']) {
      expect(text).not.toContain(hidden);
    }
    expect(contactFieldsOf(contact).phones).toEqual([]);
  });

  it('validates dates and custom values strictly', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2024-2-9')).toBe(false);
    const url: CustomFieldDefinition = { key: 'u', label: 'U', type: 'url', required: false };
    expect(customFieldValue(url, 'javascript:alert(1)').problem).toBeDefined();
    expect(customFieldValue(url, 'https://contoso.com').value).toBe('https://contoso.com');
    const number: CustomFieldDefinition = { key: 'n', label: 'N', type: 'number', required: false };
    expect(customFieldValue(number, Number.NaN).problem).toBeDefined();
    expect(customFieldValue(number, { $gt: 0 }).problem).toBeDefined();
    expect(customFieldValue(number, null)).toEqual({});
  });
});
