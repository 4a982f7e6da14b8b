import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { assertIndexCoverage, findServingIndex, parseODataQuery, readODataRequest } from '../../odata';
import type { CustomFieldDefinition } from '../../contact-fields';
import { contactModel, contactModelForTab, tenantContactModel } from './contact.entity-model';
import { CHANGE_ORDER_INDEX, ContactSchema } from './contact.schema';
import { CreateContactDto } from './dto/contact-input.dto';

/** As the import job validates its rows (the API's validation pipe is as strict). */
const VALIDATION = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

function mapValues<T, U>(record: Record<string, T>, map: (value: T, key: string) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value, key)]));
}

const CUSTOM_FIELDS: CustomFieldDefinition[] = [
  { key: 'industry', label: 'Industry', type: 'choice', required: false, choices: [{ value: 'Retail' }] },
  { key: 'rating', label: 'Rating', type: 'number', required: false },
  { key: 'since', label: 'Since', type: 'date', required: false },
  { key: 'active', label: 'Active', type: 'boolean', required: false },
  { key: 'tags', label: 'Tags', type: 'multiChoice', required: false, choices: [{ value: 'A' }] },
  { key: 'memo', label: 'Memo', type: 'multilineText', required: false },
  { key: 'site', label: 'Site', type: 'url', required: false },
];

function parse(query: Record<string, string>, model = contactModelForTab(CUSTOM_FIELDS)) {
  return parseODataQuery(
    readODataRequest(query, 'https://host/api/v1/tabs/t/contacts', 'https://host'),
    model,
  );
}

describe('contact entity models', () => {
  it.each([
    ['one tab', contactModel],
    ['the whole tenant', tenantContactModel],
  ])('serve every list order of %s from an index starting with the tenant', (_label, model) => {
    expect(() => assertIndexCoverage(model)).not.toThrow();
    for (const index of model.indexes) expect(index[0][0]).toBe('tenantId');
  });

  it.each([
    ['one tab', contactModel, ['tenantId', 'tabId']],
    ['the whole tenant', tenantContactModel, ['tenantId']],
  ])('serve $search and isFavorite of %s from an index', (_label, model, equality) => {
    expect(findServingIndex(model, { equality, sort: [], range: 'searchKeys' })).toBeDefined();
    expect(
      findServingIndex(model, { equality: [...equality, 'favoritedBy'], sort: [['_id', 1]] }),
    ).toBeDefined();
  });

  it('serves the duplicate check (e-mail address within a tab) from an index', () => {
    expect(
      findServingIndex(contactModel, {
        equality: ['tenantId', 'tabId', 'norm.emailAddresses.address'],
        sort: [],
      }),
    ).toBeDefined();
  });

  it('declares every index of both models on the schema, and besides only the change-order index', () => {
    const declared = ContactSchema.indexes().map(([fields]) => JSON.stringify(fields));
    const modelled = new Set([
      ...[...contactModel.indexes, ...tenantContactModel.indexes].map((index) =>
        JSON.stringify(Object.fromEntries(index)),
      ),
      JSON.stringify(CHANGE_ORDER_INDEX),
    ]);
    expect(new Set(declared)).toEqual(modelled);
    expect(declared).toHaveLength(modelled.size);
  });

  it('types custom fields from their definitions', () => {
    const model = contactModelForTab(CUSTOM_FIELDS);
    expect(model.properties['customFields/industry']).toMatchObject({
      kind: 'primitive',
      type: 'Edm.String',
      normalizedPath: 'norm.customFields.industry',
      sortable: true,
    });
    expect(model.properties['customFields/rating']).toMatchObject({ type: 'Edm.Double', sortable: true });
    expect(model.properties['customFields/since']).toMatchObject({ type: 'Edm.Date' });
    expect(model.properties['customFields/active']).toMatchObject({ type: 'Edm.Boolean' });
    expect(model.properties['customFields/tags']).toMatchObject({
      kind: 'collection',
      elementType: 'Edm.String',
    });
    expect(model.properties['customFields/memo']).toMatchObject({ type: 'Edm.String', sortable: false });
    expect(model.properties['customFields/site']).toMatchObject({ type: 'Edm.String' });
    expect(contactModel.properties['customFields/industry']).toBeUndefined();
  });

  it('translates custom field filters against their stored paths', () => {
    expect(parse({ $filter: "customFields/industry eq 'RETAIL'" }).filter).toEqual({
      'norm.customFields.industry': { $eq: 'retail' },
    });
    expect(parse({ $filter: 'customFields/rating ge 3' }).filter).toEqual({
      'customFields.rating': { $gte: 3 },
    });
    expect(parse({ $filter: "customFields/tags/any(t: t eq 'a')" }).filter).toEqual({
      'norm.customFields.tags': { $eq: 'a' },
    });
    expect(() => parse({ $filter: "customFields/rating eq 'x'" })).toThrow();
    expect(() => parse({ $filter: "customFields/unknown eq 'x'" })).toThrow();
  });

  it('refuses custom fields, and sorting by non-indexed properties, across tabs', () => {
    expect(() => parse({ $filter: "customFields/industry eq 'x'" }, tenantContactModel)).toThrow();
    expect(() => parse({ $orderby: 'surname' }, tenantContactModel)).toThrow();
    expect(parse({ $orderby: 'displayName desc' }, tenantContactModel).sort).toEqual({
      'norm.displayName': -1,
      _id: -1,
    });
  });

  it('filters on collections with lambdas', () => {
    expect(parse({ $filter: "categories/any(c: c eq 'Supplier')" }).filter).toEqual({
      'norm.categories': { $eq: 'supplier' },
    });
    expect(parse({ $filter: "emailAddresses/any(e: endswith(e/address,'@contoso.com'))" }).filter).toEqual({
      'norm.emailAddresses.address': { $in: [/@contoso\.com$/] },
    });
  });

  it('takes negated conditions on the members every element has, inside all() and any()', () => {
    // The exact patterns are the translator's (see its spec): here, that the contact model lets them through.
    expect(parse({ $filter: "emailAddresses/all(e: endswith(e/address,'@contoso.com'))" }).filter).toEqual({
      $nor: [{ 'norm.emailAddresses.address': { $in: [expect.any(RegExp)] } }],
    });
    expect(parse({ $filter: "phones/all(p: p/type eq 'mobile')" }).filter).toEqual({
      $nor: [{ 'norm.phones.type': { $lt: 'mobile' } }, { 'norm.phones.type': { $gt: 'mobile' } }],
    });
    expect(parse({ $filter: "phones/any(p: not startswith(p/number,'+1'))" }).filter).toEqual({
      'norm.phones.number': { $in: [expect.any(RegExp)] },
    });
    expect(parse({ $filter: "addresses/any(a: a/type ne 'home')" }).filter).toEqual({
      $or: [{ 'norm.addresses.type': { $lt: 'home' } }, { 'norm.addresses.type': { $gt: 'home' } }],
    });
    // Members an element may lack stay refused.
    for (const filter of [
      "emailAddresses/all(e: e/name eq 'Adele')",
      "emailAddresses/any(e: e/name ne 'Adele')",
      "addresses/all(a: startswith(a/city,'Red'))",
      "addresses/any(a: not (a/postalCode in ('98052', '98053')))",
    ]) {
      expect(() => parse({ $filter: filter })).toThrow(/elements that have no/);
    }
  });

  describe('members every element has: the DTOs refuse an element without one', () => {
    const ELEMENTS: Record<string, Record<string, string>> = {
      emailAddresses: { address: 'adele.vance@contoso.com', name: 'Adele' },
      phones: { number: '+1 425 555 0109', type: 'mobile' },
      addresses: { type: 'business', street: '1 Microsoft Way', city: 'Redmond' },
    };
    const collections = Object.entries(contactModel.properties).flatMap(([name, property]) =>
      property.kind === 'complexCollection' ? [{ name, property }] : [],
    );
    const problemsOf = async (input: Record<string, unknown>) =>
      (await validate(plainToInstance(CreateContactDto, input), VALIDATION)).map((error) => error.property);

    it('declares address, number and the types required, and nothing else', () => {
      expect(
        Object.fromEntries(collections.map(({ name, property }) => [name, property.requiredMembers])),
      ).toEqual({ emailAddresses: ['address'], phones: ['number', 'type'], addresses: ['type'] });
      expect(Object.keys(ELEMENTS).sort()).toEqual(collections.map(({ name }) => name).sort());
    });

    it.each(
      collections.flatMap(({ name, property }) =>
        property.requiredMembers.flatMap((member) =>
          [undefined, null, '', '   '].map((value) => [name, member, value] as const),
        ),
      ),
    )('%s: an element whose %s is %p is refused', async (name, member, value) => {
      const element: Record<string, unknown> = { ...ELEMENTS[name] };
      if (value === undefined) delete element[member];
      else element[member] = value;
      expect(await problemsOf({ displayName: 'Adele Vance', [name]: [element] })).toEqual([name]);
    });

    it('accepts the sample elements, and optional members left out', async () => {
      const input = { displayName: 'Adele Vance', ...mapValues(ELEMENTS, (element) => [element]) };
      expect(await problemsOf(input)).toEqual([]);
      const bare = mapValues(ELEMENTS, (element, name) => [
        Object.fromEntries(
          Object.entries(element).filter(([member]) =>
            collections
              .find((collection) => collection.name === name)!
              .property.requiredMembers.includes(member),
          ),
        ),
      ]);
      expect(await problemsOf({ displayName: 'Adele Vance', ...bare })).toEqual([]);
    });
  });

  it('never lets a query reach the favourites list, the search keys or the notes text', () => {
    for (const name of ['favoritedBy', 'searchKeys', 'norm', 'tenantId']) {
      expect(() => parse({ $filter: `${name} eq 'x'` })).toThrow();
      expect(() => parse({ $select: name })).toThrow();
    }
    expect(() => parse({ $filter: "notes eq 'x'" })).toThrow();
    expect(() => parse({ $orderby: 'isFavorite' })).toThrow();
  });
});
