import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApp, type TestApp } from './support/app';
import { pngImage } from './support/photo-fixtures';
import { bearer, TENANT_1, TokenFactory, USER_A } from './support/tokens';

/**
 * "Try it out" in Swagger UI, for every operation of the document: each parameter is filled as
 * Swagger UI pre-fills it (its example, else its default), each request body from its example (else
 * sampled from the schema's examples, defaults and types, as Swagger UI does), path parameters from
 * seeded entities. Every request must succeed, and every JSON answer must match its documented schema.
 */

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  parameters: Schema[];
  requestBody?: Schema;
  responses: Record<string, Schema>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const CSV = 'Display name,E-mail\nAdele Vance,adele.vance@contoso.com\n';

/** What Swagger UI shows a request body as when no example is given (swagger-ui's sample generator). */
function sample(schema: Schema, document: Schema): unknown {
  if (schema.$ref) return sample(resolve(schema.$ref, document), document);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part: Schema) => sample(part, document)));
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return sample(alternatives[0], document);
  switch (schema.type) {
    case 'object':
      if (!schema.properties) return schema.additionalProperties ? { additionalProp1: {} } : {};
      return Object.fromEntries(
        Object.entries(schema.properties as Record<string, Schema>).map(([name, property]) => [
          name,
          sample(property, document),
        ]),
      );
    case 'array':
      return [sample(schema.items ?? {}, document)];
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return true;
    default:
      return schema.format === 'date-time' ? new Date().toISOString() : 'string';
  }
}

function resolve(ref: string, document: Schema): Schema {
  return ref
    .split('/')
    .slice(1)
    .reduce((node, key) => node[key], document);
}

/** The problems of `value` against an OpenAPI 3.0 schema: types, nullable, enums, required properties. */
function problems(value: unknown, schema: Schema, document: Schema, at = '$'): string[] {
  if (schema.$ref) return problems(value, resolve(schema.$ref, document), document, at);
  if (value === null) return schema.nullable || !schema.type ? [] : [`${at} is null`];
  const found: string[] = [];
  for (const part of schema.allOf ?? []) found.push(...problems(value, part, document, at));
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    const each = alternatives.map((alternative: Schema) => problems(value, alternative, document, at));
    if (each.every((list: string[]) => list.length > 0))
      found.push(`${at} matches no alternative: ${each[0].join('; ')}`);
  }
  if (schema.enum && !schema.enum.includes(value)) found.push(`${at} is not one of ${schema.enum}`);
  const type = Array.isArray(value) ? 'array' : typeof value;
  const expected = schema.type === 'integer' ? 'number' : schema.type;
  if (expected && expected !== type) return [...found, `${at} is ${type}, not ${schema.type}`];
  if (type === 'array') {
    (value as unknown[]).forEach((item, index) =>
      found.push(...problems(item, schema.items ?? {}, document, `${at}[${index}]`)),
    );
  } else if (type === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) found.push(`${at}.${name} is missing`);
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      if (name in object) found.push(...problems(object[name], property, document, `${at}.${name}`));
    }
  }
  return found;
}

describe('the OpenAPI document: every example works as Swagger UI sends it', () => {
  let api: TestApp;
  let document: Schema;
  let token: string;
  let seeded: { user: string; tab: string; contact: string; channel: string; job: string };

  const call = (method: string, path: string) =>
    request(api.url)[method as 'get'](path).set('authorization', bearer(token));

  async function newTab(name: string): Promise<string> {
    const res = await call('post', '/api/v1/tabs').send({
      channelId: `19:${name}@thread.tacv2`,
      channelName: name,
      displayName: name,
      categories: [{ name: 'Supplier', color: '#107c10' }],
      customFields: [{ key: 'industry', label: 'Industry', type: 'text' }],
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function newContact(tab: string): Promise<string> {
    const res = await call('post', `/api/v1/tabs/${tab}/contacts`).send({
      displayName: 'Alex Wilber',
      companyName: 'Contoso',
      emailAddresses: [{ address: `alex.${Date.now()}@contoso.com` }],
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  beforeAll(async () => {
    api = await startTestApp('openapi-examples');
    const tokens = await TokenFactory.for(api);
    // An administrator of the tenant the document's examples name, so that every operation is allowed.
    token = tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adele Vance', admin: true });
    // The committed document is the one built with the Swagger plugin (as /docs serves it in production);
    // the drift test keeps it equal to the code.
    document = JSON.parse(readFileSync(join(__dirname, '..', 'openapi', 'openapi.json'), 'utf8'));
    const me = await call('get', '/api/v1/me');
    const tab = await newTab('examples');
    const contact = await newContact(tab);
    const job = await call('post', `/api/v1/tabs/${tab}/contacts/import`).attach(
      'file',
      Buffer.from(CSV),
      'contacts.csv',
    );
    expect(job.status).toBe(202);
    seeded = { user: me.body.id, tab, contact, channel: '19:examples@thread.tacv2', job: job.body.id };
  });
  afterAll(() => api.close());

  function operations(): Operation[] {
    const all: Operation[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Schema>)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (operation) all.push({ method, path, parameters: operation.parameters ?? [], ...operation });
      }
    }
    // A photo is set before it is read; what removes things runs last, the tenant's purge at the very end.
    const rank = (operation: Operation) => {
      if (operation.path === '/api/v1/admin/tenant-data') return 2;
      if (operation.method === 'delete') return 1;
      return operation.method === 'put' && operation.path.endsWith('/photo/$value') ? -1 : 0;
    };
    return all.sort((a, b) => rank(a) - rank(b));
  }

  async function setPhoto(contact: string): Promise<void> {
    const res = await call('put', `/api/v1/tabs/${seeded.tab}/contacts/${contact}/photo/$value`)
      .set('content-type', 'image/png')
      .send(await pngImage(128, 128));
    expect(res.status).toBe(200);
  }

  /** The entity a path parameter names; deletions get one of their own, so that nothing else loses it. */
  async function pathValue(operation: Operation, name: string): Promise<string> {
    const deletes = operation.method === 'delete' && !operation.path.endsWith('/favorite');
    // A photo size is no entity: its example, as Swagger UI fills it.
    if (name === 'size') {
      return operation.parameters.find((parameter) => parameter.name === name)?.schema?.example;
    }
    if (name === 'tabId')
      return deletes && operation.path === '/api/v1/tabs/{tabId}' ? newTab('deleted') : seeded.tab;
    if (operation.path.startsWith('/api/v1/tabs/{tabId}/contacts/')) {
      if (!deletes) return seeded.contact;
      const contact = await newContact(seeded.tab);
      if (operation.path.endsWith('/photo/$value')) await setPhoto(contact);
      return contact;
    }
    if (operation.path.startsWith('/api/v1/channels/')) {
      if (!deletes) return seeded.channel;
      const unused = '19:unused@thread.tacv2';
      expect((await call('put', `/api/v1/channels/${unused}`).send({ displayName: 'Unused' })).status).toBe(
        201,
      );
      return unused;
    }
    if (operation.path.startsWith('/api/v1/users/')) return seeded.user;
    if (operation.path.startsWith('/api/v1/jobs/')) return seeded.job;
    throw new Error(`no seeded entity for {${name}} of ${operation.path}`);
  }

  it('every operation succeeds with its documented examples and answers as documented', async () => {
    const failures: string[] = [];
    const checked: string[] = [];
    for (const operation of operations()) {
      const label = `${operation.method.toUpperCase()} ${operation.path}`;
      let path = operation.path;
      const query: Record<string, unknown> = {};
      const headers: Record<string, string> = {};
      for (const parameter of operation.parameters) {
        const value =
          parameter.in === 'path'
            ? await pathValue(operation, parameter.name)
            : (parameter.example ?? parameter.schema?.example ?? parameter.schema?.default);
        if (value === undefined) {
          if (parameter.required) failures.push(`${label}: ${parameter.in} ${parameter.name} has no example`);
          continue;
        }
        if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, encodeURIComponent(value));
        else if (parameter.in === 'query') query[parameter.name] = value;
        else if (parameter.in === 'header') headers[parameter.name] = String(value);
      }
      let test = call(operation.method, path).query(query).set(headers);
      const content = operation.requestBody?.content ?? {};
      if (content['application/json']) {
        const media = content['application/json'];
        const example =
          media.example ??
          (Object.values(media.examples ?? {})[0] as Schema | undefined)?.value ??
          sample(media.schema, document);
        test = test.send(example as object);
      } else if (content['image/png']) {
        // The photo is what the user picks.
        test = test.set('content-type', 'image/png').send(await pngImage(128, 128));
      } else if (content['multipart/form-data']) {
        const fields = sample(content['multipart/form-data'].schema, document) as Record<string, unknown>;
        for (const [name, value] of Object.entries(fields)) {
          // The file is what the user picks; the other fields keep what Swagger UI fills in.
          test =
            name === 'file'
              ? test.attach('file', Buffer.from(CSV), 'contacts.csv')
              : test.field(name, String(value));
        }
      }
      const res = await test;
      checked.push(label);
      if (res.status < 200 || res.status >= 300) {
        failures.push(`${label}: ${res.status} ${JSON.stringify(res.body?.error ?? res.text)}`);
        continue;
      }
      const documented = operation.responses[String(res.status)]?.content?.['application/json']?.schema;
      if (documented && res.type === 'application/json') {
        const found = problems(res.body, documented, document);
        if (found.length)
          failures.push(`${label}: the answer differs from its schema: ${found.slice(0, 3).join('; ')}`);
        if (Array.isArray(res.body.value) && res.body.value.length === 0) {
          failures.push(`${label}: the examples leave nothing of the seeded data`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toHaveLength(operations().length);
  }, 120_000);

  it('writes every pattern for both ECMA-262 and the fuzzer (Python): anchored, no lookbehind, no \\d', () => {
    const patterns: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'pattern' && typeof value === 'string') patterns.push(value);
          else walk(value);
        }
      }
    };
    walk(document);
    expect(patterns.length).toBeGreaterThan(10);
    for (const pattern of patterns) {
      expect(() => new RegExp(pattern, 'u')).not.toThrow();
      expect({ pattern, anchored: pattern.startsWith('^') && pattern.endsWith('$') }).toEqual({
        pattern,
        anchored: true,
      });
      // Python's \d and \s take more than JavaScript's: classes are spelled out.
      expect({ pattern, found: /\(\?<|\\[dDsSwW]/.exec(pattern.replace(/\[\\s\\S\]/g, ''))?.[0] }).toEqual({
        pattern,
      });
    }
  });
});
