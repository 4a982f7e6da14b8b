import { assertIndexCoverage, findServingIndex, parseODataQuery, readODataRequest } from '../odata';
import type { CustomFieldDefinition } from '../tabs/tab-configuration.rules';
import { contactModel, contactModelForTab, tenantContactModel } from './contact.entity-model';
import { CHANGE_ORDER_INDEX, ContactSchema } from './contact.schema';

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
      'norm.emailAddresses.address': { $regex: '@contoso\\.com$' },
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
