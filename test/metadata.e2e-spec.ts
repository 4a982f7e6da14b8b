import request from 'supertest';
import { SERVICE_SCHEMA } from '../src/metadata/metadata-entity-sets';
import { buildCsdlSchema, csdlJson, csdlXml } from '../src/odata';
import { callerOf } from './support/http';
import { startTestApp, TestApp } from './support/app';
import { bearer, TENANT_1, TokenFactory, USER_A } from './support/tokens';

const { namespace, containerName } = SERVICE_SCHEMA;

describe('$metadata', () => {
  let api: TestApp;
  let tokens: TokenFactory;
  let token: string;
  const schema = buildCsdlSchema(SERVICE_SCHEMA);

  const get = (path: string) => request(api.url).get(path).set('authorization', bearer(token));

  beforeAll(async () => {
    api = await startTestApp('metadata');
    tokens = await TokenFactory.for(api);
    token = tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adèle Vance' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('serves CSDL XML by default, with OData-Version 4.0', async () => {
    const res = await get('/api/v1/$metadata').expect(200);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(res.headers['odata-version']).toBe('4.0');
    expect(res.text).toBe(csdlXml(schema));
    expect(res.text).toContain(
      '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">',
    );
  });

  it('serves CSDL JSON with $format=json or Accept: application/json; $format wins over Accept', async () => {
    for (const res of [
      await get('/api/v1/$metadata?$format=json'),
      await get('/api/v1/$metadata?$format=application/json;odata.metadata=minimal'),
      await get('/api/v1/$metadata').set('accept', 'application/json'),
      await get('/api/v1/$metadata').set('accept', 'text/html;q=0.9, application/json'),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.headers['odata-version']).toBe('4.0');
      expect(res.body).toEqual(csdlJson(schema));
    }
    const xml = await get('/api/v1/$metadata?$format=xml').set('accept', 'application/json').expect(200);
    expect(xml.headers['content-type']).toBe('application/xml; charset=utf-8');
    const weighted = await get('/api/v1/$metadata')
      .set('accept', 'application/json;q=0.5, application/xml')
      .expect(200);
    expect(weighted.headers['content-type']).toBe('application/xml; charset=utf-8');
  });

  it('declares the members every e-mail address, phone and postal address has as not nullable, the others nullable', async () => {
    const json = (await get('/api/v1/$metadata?$format=json').expect(200)).body[namespace];
    expect(json.contactEmailAddress).toEqual({
      $Kind: 'ComplexType',
      address: { $Type: 'Edm.String' },
      name: { $Type: 'Edm.String', $Nullable: true },
    });
    expect(json.contactPhone).toEqual({
      $Kind: 'ComplexType',
      number: { $Type: 'Edm.String' },
      type: { $Type: 'Edm.String' },
    });
    expect(json.contactAddress).toMatchObject({
      type: { $Type: 'Edm.String' },
      city: { $Type: 'Edm.String', $Nullable: true },
    });
    const xml = (await get('/api/v1/$metadata').expect(200)).text;
    expect(xml).toMatch(
      /<ComplexType Name="contactEmailAddress">\s*<Property Name="address" Type="Edm.String" Nullable="false"\/>\s*<Property Name="name" Type="Edm.String"\/>\s*<\/ComplexType>/,
    );
  });

  it('is at the literal $metadata segment only: a percent-encoded one is another URL (404)', async () => {
    const res = await get('/api/v1/%24metadata').expect(404);
    expect(res.body.error.code).toBe('NotFound');
  });

  it('refuses an unsupported $format, other options and unacceptable media types in the error body', async () => {
    const cases: Array<[string, string | undefined, number, string | undefined]> = [
      ['/api/v1/$metadata?$format=atom', undefined, 400, '$format'],
      ['/api/v1/$metadata?$format=', undefined, 400, '$format'],
      ['/api/v1/$metadata?$format=json&$format=xml', undefined, 400, undefined],
      ['/api/v1/$metadata?$filter=id eq 1', undefined, 400, undefined],
      ['/api/v1/$metadata', 'text/html', 406, 'Accept'],
      ['/api/v1/$metadata', 'application/json;q=0', 406, 'Accept'],
    ];
    for (const [path, accept, status, target] of cases) {
      const req = get(path);
      const res = await (accept ? req.set('accept', accept) : req);
      expect([path, accept, res.status]).toEqual([path, accept, status]);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.error).toMatchObject({ code: status === 400 ? 'BadRequest' : 'NotAcceptable' });
      if (target) expect(res.body.error.target).toBe(target);
      expect(res.headers['odata-version']).toBeUndefined();
    }
  });

  it('needs a token like every /api/v1 route', async () => {
    const res = await request(api.url).get('/api/v1/$metadata').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(res.body.error.code).toBe('InvalidAuthenticationToken');
  });

  it("is where collections' @odata.context points, and describes the resources the routes return", async () => {
    const as = callerOf(api.url, token);
    const tab = (
      await as
        .post('/api/v1/tabs', {
          channelId: '19:metadata@thread.tacv2',
          channelName: 'Sales',
          displayName: 'Suppliers',
          customFields: [
            { key: 'rating', label: 'Rating', type: 'number' },
            { key: 'tags', label: 'Tags', type: 'multiChoice', choices: [{ value: 'Gold' }] },
          ],
        })
        .expect(201)
    ).body;
    await as
      .post(`/api/v1/tabs/${tab.id}/contacts`, {
        givenName: 'John',
        surname: 'Smith',
        emailAddresses: [{ address: 'john@contoso.com', name: 'John' }],
        phones: [{ number: '+1 425 555 0109', type: 'business' }],
        addresses: [{ type: 'business', city: 'Redmond' }],
        customFields: { rating: 4, tags: ['Gold'] },
      })
      .expect(201);

    const json = csdlJson(schema) as Record<string, any>;
    const types = json[namespace];
    const lists: Array<[string, string]> = [
      ['/api/v1/users', 'users'],
      ['/api/v1/channels', 'channels'],
      ['/api/v1/tabs', 'tabs'],
      [`/api/v1/tabs/${tab.id}/contacts`, 'contacts'],
      ['/api/v1/contacts', 'contacts'],
    ];
    for (const [path, set] of lists) {
      const page = (await get(path).expect(200)).body;
      expect(page['@odata.context']).toBe(`${api.url}/api/v1/$metadata#${set}`);
      const entitySet = types[containerName][set];
      expect(entitySet).toBeDefined();
      const typeName = entitySet.$Type.slice(namespace.length + 1);
      expect(page.value.length).toBeGreaterThan(0);
      for (const resource of page.value) conforms(types, typeName, resource, path);
    }
    // The context URL, fragment aside, is the document itself.
    const context = new URL((await get('/api/v1/users').expect(200)).body['@odata.context']);
    expect((await get(context.pathname).expect(200)).text).toBe(csdlXml(schema));
  });
});

/**
 * Every property of a resource is declared with a matching JSON type unless its type is open; every
 * declared property of a closed type is present. Annotations (`@odata.etag`) are not properties.
 */
function conforms(types: Record<string, any>, typeName: string, value: Record<string, any>, where: string) {
  const type = types[typeName];
  expect(type).toBeDefined();
  for (const [name, member] of Object.entries(value)) {
    if (name.startsWith('@')) continue;
    const declared = type[name];
    if (!declared) {
      expect([where, typeName, name, type.$OpenType === true]).toEqual([where, typeName, name, true]);
      continue;
    }
    const values = declared.$Collection ? member : [member];
    if (declared.$Collection) expect([where, name, Array.isArray(member)]).toEqual([where, name, true]);
    for (const item of values as unknown[]) {
      if (item === null) {
        expect([where, name, declared.$Collection !== true && declared.$Nullable === true]).toEqual([
          where,
          name,
          true,
        ]);
      } else if (declared.$Type.startsWith(`${namespace}.`)) {
        conforms(types, declared.$Type.slice(namespace.length + 1), item as Record<string, any>, where);
      } else {
        expect([where, name, typeof item]).toEqual([where, name, JSON_TYPES[declared.$Type]]);
      }
    }
  }
  if (type.$OpenType !== true) {
    for (const name of Object.keys(type).filter((key) => !key.startsWith('$'))) {
      expect([where, typeName, name, name in value]).toEqual([where, typeName, name, true]);
    }
  }
}

const JSON_TYPES: Record<string, string> = {
  'Edm.String': 'string',
  'Edm.Guid': 'string',
  'Edm.Date': 'string',
  'Edm.DateTimeOffset': 'string',
  'Edm.Boolean': 'boolean',
  'Edm.Int32': 'number',
  'Edm.Double': 'number',
};
