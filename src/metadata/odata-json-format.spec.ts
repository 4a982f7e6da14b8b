import { buildCsdlSchema } from '../odata';
import { CANONICAL_PATHS, SERVICE_SCHEMA } from './metadata-entity-sets';
import {
  DEFAULT_JSON_FORMAT,
  negotiateJsonFormat,
  shapeJsonBody,
  type EntityDescription,
} from './odata-json-format';

const CONTACTS: EntityDescription = {
  entitySet: 'contacts',
  type: 'ContactPro.contact',
  idOf: (entity) => `https://host/api/v1/contacts/${entity.id as string}`,
};

describe('negotiateJsonFormat', () => {
  it('reads the OData format parameters, case-insensitively, with or without the odata. prefix', () => {
    expect(negotiateJsonFormat(undefined)).toBe(DEFAULT_JSON_FORMAT);
    expect(negotiateJsonFormat('application/json')).toBe(DEFAULT_JSON_FORMAT);
    expect(negotiateJsonFormat('application/json;odata.metadata=full')).toMatchObject({
      metadata: 'full',
      requested: true,
    });
    expect(negotiateJsonFormat('Application/JSON; Metadata=None; Streaming=TRUE')).toMatchObject({
      metadata: 'none',
      streaming: true,
    });
    expect(negotiateJsonFormat('application/json;IEEE754Compatible=true')).toMatchObject({
      ieee754Compatible: true,
    });
  });

  it('picks the acceptable JSON range of highest quality; other media types are not negotiated', () => {
    expect(
      negotiateJsonFormat('application/json;odata.metadata=none;q=0.5, application/json;odata.metadata=full'),
    ).toMatchObject({ metadata: 'full' });
    expect(negotiateJsonFormat('application/json;odata.metadata=bogus, */*;q=0.1')).toMatchObject({
      metadata: 'minimal',
    });
    expect(negotiateJsonFormat('text/html;q=0.9')).toBe(DEFAULT_JSON_FORMAT);
    expect(negotiateJsonFormat('application/json;odata.metadata=bogus, application/xml')).toBe(
      DEFAULT_JSON_FORMAT,
    );
  });

  it.each([
    'application/json;odata.metadata=bogus',
    'application/json;odata.streaming=1',
    'application/json;charset=utf-16',
    'application/json;odata.unknown=1',
  ])('refuses %s with 406', (accept) => {
    expect(() => negotiateJsonFormat(accept)).toThrow(expect.objectContaining({ code: 'NotAcceptable' }));
  });
});

describe('shapeJsonBody', () => {
  const page = {
    '@odata.context': 'https://host/api/v1/$metadata#contacts',
    '@odata.count': 2,
    value: [
      { id: 'a', givenName: 'Ann', '@odata.etag': 'W/"1"' },
      { id: 'b', '@removed': { reason: 'deleted' } },
    ],
    '@odata.nextLink': 'https://host/api/v1/contacts?$skiptoken=x',
  };

  it('full: types and identifies each entity, control information first', () => {
    const shaped = shapeJsonBody(
      page,
      { ...DEFAULT_JSON_FORMAT, metadata: 'full' },
      CONTACTS,
      'https://host/api/v1',
    );
    expect(shaped.value).toEqual([
      {
        '@odata.type': '#ContactPro.contact',
        '@odata.id': 'https://host/api/v1/contacts/a',
        '@odata.etag': 'W/"1"',
        id: 'a',
        givenName: 'Ann',
      },
      { '@odata.id': 'https://host/api/v1/contacts/b', id: 'b', '@removed': { reason: 'deleted' } },
    ]);
    expect(Object.keys((shaped.value as object[])[0])[0]).toBe('@odata.type');
    const single = shapeJsonBody(
      page.value[0],
      { ...DEFAULT_JSON_FORMAT, metadata: 'full' },
      CONTACTS,
      'https://host/api/v1',
    );
    expect(Object.keys(single).slice(0, 3)).toEqual(['@odata.context', '@odata.type', '@odata.id']);
    expect(single['@odata.context']).toBe('https://host/api/v1/$metadata#contacts/$entity');
  });

  it('none: only paging and the count stay', () => {
    const shaped = shapeJsonBody(
      page,
      { ...DEFAULT_JSON_FORMAT, metadata: 'none' },
      CONTACTS,
      'https://host/api/v1',
    );
    expect(shaped).toEqual({
      '@odata.count': 2,
      value: [
        { id: 'a', givenName: 'Ann' },
        { id: 'b', '@removed': { reason: 'deleted' } },
      ],
      '@odata.nextLink': page['@odata.nextLink'],
    });
  });

  it('IEEE754Compatible: the count is a string', () => {
    const shaped = shapeJsonBody(
      page,
      { ...DEFAULT_JSON_FORMAT, ieee754Compatible: true },
      CONTACTS,
      'https://host/api/v1',
    );
    expect(shaped['@odata.count']).toBe('2');
  });
});

describe('canonical paths', () => {
  it('exist for every entity set $metadata declares', () => {
    const sets = buildCsdlSchema(SERVICE_SCHEMA).entitySets.map((set) => set.name);
    expect(Object.keys(CANONICAL_PATHS).sort()).toEqual([...sets].sort());
    expect(CANONICAL_PATHS.contacts({ id: 'c 1' }, { tabId: 't1' })).toBe('tabs/t1/contacts/c%201');
    expect(CANONICAL_PATHS.contacts({ id: 'c1', tabId: 't2' }, {})).toBe('tabs/t2/contacts/c1');
    expect(CANONICAL_PATHS.contacts({ id: 'c1' }, {})).toBeUndefined();
  });
});
