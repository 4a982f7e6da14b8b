import { Controller, Get, Module, Param } from '@nestjs/common';
import type { MongoClient } from 'mongodb';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import pino from 'pino';
import request from 'supertest';
import { Public } from '../src/auth';
import { SERVICE_SCHEMA } from '../src/metadata/metadata-entity-sets';
import { csdlJson, buildCsdlSchema } from '../src/odata';
import { startTestApp, TestApp } from './support/app';
import { connectTestClient } from './support/database';
import { callerOf } from './support/http';
import { bearer, TENANT_1, TokenFactory, USER_A } from './support/tokens';

/** Echoes the key it was addressed with, so that the key's decoding can be observed exactly. */
@Public()
@Controller('api/v1/probes')
class KeyProbeController {
  @Get(':id')
  key(@Param('id') id: string): { key: string } {
    return { key: id };
  }

  @Get(':id/slow')
  async slow(): Promise<{ finished: true }> {
    await new Promise<void>((resolve) => (KeyProbeController.release = resolve));
    return { finished: true };
  }

  static release: () => void = () => undefined;
}

@Module({ controllers: [KeyProbeController] })
class KeyProbeModule {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CHANNEL_ID = '19:interop@thread.tacv2';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are on a new connection and reads the answer until the server closes it. */
function rawExchange(url: string, text: string | Buffer): Promise<RawAnswer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = answer.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const match = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
      if (!match) return reject(new Error(`no HTTP answer: ${JSON.stringify(answer.slice(0, 200))}`));
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(match[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(text);
  });
}

/** One request with any method (supertest sends only the methods Node's client names). */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: text }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The standard error body, with the request id of the header inside. */
function expectErrorBody(answer: { headers: Record<string, unknown>; body: unknown }, code: string): void {
  const body = typeof answer.body === 'string' ? JSON.parse(answer.body) : answer.body;
  expect(answer.headers['request-id']).toMatch(/\S/);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.innererror['request-id']).toBe(answer.headers['request-id']);
  expect(body.error.innererror.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
}

describe('interoperability with standard HTTP and OData clients', () => {
  let api: TestApp;
  let client: MongoClient;
  let token: string;
  let tab: any;
  let contacts: any[];
  const logLines: Array<Record<string, unknown>> = [];
  const schema = buildCsdlSchema(SERVICE_SCHEMA);

  const as = () => callerOf(api.url, token);
  const storedContacts = () => client.db(api.dbName).collection('contacts');

  beforeAll(async () => {
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    api = await startTestApp('interop', {}, [KeyProbeModule], { logger });
    client = await connectTestClient();
    token = (await TokenFactory.for(api)).mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adèle Vance' });
    await as()
      .put(`/api/v1/channels/${encodeURIComponent(CHANNEL_ID)}`, { displayName: 'Sales' })
      .expect(201);
    tab = (
      await as()
        .post('/api/v1/tabs', { channelId: CHANNEL_ID, channelName: 'Sales', displayName: 'Suppliers' })
        .expect(201)
    ).body;
    contacts = [];
    for (const givenName of ['Ann', 'Bob', 'Cid']) {
      contacts.push(
        (await as().post(`/api/v1/tabs/${tab.id}/contacts`, { givenName, surname: 'Smith' }).expect(201))
          .body,
      );
    }
  });
  afterAll(async () => {
    await client.close();
    await api.close();
  });

  describe('keys in parentheses', () => {
    it.each([
      ["tabs('{tab}')", 'quoted'],
      ['tabs({tab})', 'unquoted'],
      ['tabs%28%27{tab}%27%29', 'percent-encoded parentheses and quotes'],
    ])('reads a tab as %s (%s), as tabs/{id} does', async (form) => {
      const res = await as()
        .get(`/api/v1/${form.replace('{tab}', tab.id)}`)
        .expect(200);
      expect(res.body).toEqual((await as().get(`/api/v1/tabs/${tab.id}`).expect(200)).body);
      expect(res.headers.etag).toBe(tab['@odata.etag']);
    });

    it('serves every method of a contact and what hangs below it, in both forms', async () => {
      const [ann] = contacts;
      const quoted = `/api/v1/tabs('${tab.id}')/contacts('${ann.id}')`;
      const read = await as().get(quoted).expect(200);
      expect(read.body).toEqual((await as().get(`/api/v1/tabs/${tab.id}/contacts/${ann.id}`)).body);
      expect((await as().get(`/api/v1/tabs/${tab.id}/contacts(${ann.id})`).expect(200)).body.id).toBe(ann.id);

      const changed = await as()
        .patch(quoted, { jobTitle: 'Buyer' })
        .set('if-match', read.headers.etag)
        .expect(200);
      expect(changed.body.jobTitle).toBe('Buyer');
      await as().patch(quoted, { jobTitle: 'Stale' }).set('if-match', read.headers.etag).expect(412);

      await as().put(`${quoted}/favorite`).expect(204);
      expect((await as().get(`/api/v1/tabs/${tab.id}/contacts/${ann.id}`)).body.isFavorite).toBe(true);
      await as().delete(`/api/v1/tabs(${tab.id})/contacts(${ann.id})/favorite`).expect(204);
      expect((await as().get(quoted)).body.isFavorite).toBe(false);

      const extra = await as()
        .post(`/api/v1/tabs('${tab.id}')/contacts`, { givenName: 'Dee', surname: 'Jones' })
        .expect(201);
      expect(extra.headers.location).toBe(`/api/v1/tabs/${tab.id}/contacts/${extra.body.id}`);
      await as().delete(`/api/v1/tabs('${tab.id}')/contacts('${extra.body.id}')`).expect(204);
      await as().get(`/api/v1/tabs/${tab.id}/contacts/${extra.body.id}`).expect(404);
    });

    it('addresses a channel by its Teams id in both forms, encoded or not', async () => {
      for (const form of [
        `channels('${CHANNEL_ID}')`,
        `channels(${CHANNEL_ID})`,
        `channels('${encodeURIComponent(CHANNEL_ID)}')`,
        `channels%28%27${encodeURIComponent(CHANNEL_ID)}%27%29`,
      ]) {
        const res = await as().get(`/api/v1/${form}`);
        expect([form, res.status]).toEqual([form, 200]);
        expect(res.body.id).toBe(CHANNEL_ID);
      }
      const created = await as()
        .put(`/api/v1/channels('19:second@thread.tacv2')`, { displayName: 'Support' })
        .expect(201);
      expect(created.body.id).toBe('19:second@thread.tacv2');
      await as()
        .get(`/api/v1/channels/${encodeURIComponent('19:second@thread.tacv2')}`)
        .expect(200);
      await as().get(`/api/v1/users('${USER_A}')`).expect(200);
    });

    it.each([
      ["probes('it''s')", "it's"],
      ["probes('''quoted''')", "'quoted'"],
      ["probes('a%2541')", 'a%41'],
      ["probes('a%2Fb')", 'a/b'],
      ["probes('(x)')", '(x)'],
      ["probes('..')", '..'],
      ['probes(%27x%27)', 'x'],
      ["probes('caf%C3%A9')", 'café'],
    ])('decodes %s exactly once to the key %j', async (form, key) => {
      const res = await request(api.url).get(`/api/v1/${form}`).expect(200);
      expect(res.body).toEqual({ key });
    });

    it.each([
      ["tabs('abc"],
      ['tabs(abc'],
      ["tabs('abc')x"],
      ["tabs('abc')('def')"],
      ["tabs('a'b')"],
      ["tabs(a'b)"],
      ["tabs('')"],
      ['tabs()'],
      ['tabs)'],
      ["tabs('%E0')"],
    ])('answers the malformed %s with 400 in the error body, before anything runs', async (form) => {
      const res = await as().get(`/api/v1/${form}`);
      expect(res.status).toBe(400);
      expectErrorBody(res, 'BadRequest');
      // A bad percent-encoding is the router's 400, which names no target.
      if (!form.includes('%')) expect(res.body.error.target).toBe('url');
    });

    it('keeps the log line route, @odata.context and @odata.nextLink canonical', async () => {
      const page = (
        await as().get(`/api/v1/tabs('${tab.id}')/contacts?$top=1&$orderby=givenName`).expect(200)
      ).body;
      expect(page['@odata.context']).toBe(`${api.url}/api/v1/$metadata#contacts`);
      expect(page['@odata.nextLink']).toMatch(
        new RegExp(
          `^${api.url}/api/v1/tabs/${tab.id}/contacts\\?\\$orderby=givenName&\\$top=1&\\$skiptoken=`,
        ),
      );
      const next = (await as().get(page['@odata.nextLink'].slice(api.url.length)).expect(200)).body;
      expect(next.value).toHaveLength(1);
      expect(next.value[0].id).not.toBe(page.value[0].id);

      const id = 'log-probe-0000-0000-000000000000';
      await as()
        .get(`/api/v1/tabs('${tab.id}')/contacts('${contacts[1].id}')`)
        .set('client-request-id', id)
        .expect(200);
      const line = logLines.find((entry) => entry.reqId === id && entry.msg === 'request completed');
      expect(line).toMatchObject({ method: 'GET', route: '/api/v1/tabs/:tabId/contacts/:id', status: 200 });
    });

    it('serves keys in parentheses inside $batch, with the same checks', async () => {
      const res = await request(api.url)
        .post('/api/v1/$batch')
        .set('authorization', bearer(token))
        .send({
          requests: [
            { id: '1', method: 'GET', url: `/tabs('${tab.id}')/contacts('${contacts[1].id}')` },
            { id: '2', method: 'GET', url: `/channels('${encodeURIComponent(CHANNEL_ID)}')` },
            { id: '3', method: 'GET', url: `/tabs('${tab.id}'` },
          ],
        })
        .expect(200);
      const [one, two, three] = res.body.responses;
      expect([one.status, one.body.id]).toEqual([200, contacts[1].id]);
      expect([two.status, two.body.id]).toEqual([200, CHANNEL_ID]);
      expect([three.status, three.body.error.code]).toEqual([400, 'BadRequest']);
    });
  });

  describe('OData JSON metadata levels', () => {
    const json = csdlJson(schema) as Record<string, any>;
    /** The entity types the served `$metadata` declares, as `@odata.type` names them. */
    let declaredTypes: string[];
    const accept = (level: string) => ({ accept: `application/json;odata.metadata=${level}` });

    beforeAll(async () => {
      const document = (await as().get('/api/v1/$metadata?$format=json').expect(200)).body;
      declaredTypes = Object.entries(document as Record<string, any>)
        .filter(([namespace]) => !namespace.startsWith('$'))
        .flatMap(([namespace, members]) =>
          Object.entries(members as Record<string, any>)
            .filter(([, member]) => member.$Kind === 'EntityType')
            .map(([name]) => `#${namespace}.${name}`),
        );
      expect(declaredTypes.length).toBeGreaterThan(0);
    });

    /** Every entity carries a declared type and its canonical URL, which reads the same entity. */
    async function expectFullEntity(entity: any): Promise<void> {
      expect(declaredTypes).toContain(entity['@odata.type']);
      expect(entity['@odata.id']).toMatch(new RegExp(`^${api.url}/api/v1/`));
      // Control information precedes the properties.
      const keys = Object.keys(entity);
      const firstProperty = keys.findIndex((name) => !name.startsWith('@'));
      expect(keys.indexOf('@odata.type')).toBeLessThan(firstProperty);
      expect(keys.indexOf('@odata.id')).toBeLessThan(firstProperty);
      const read = await as().get(entity['@odata.id'].slice(api.url.length)).expect(200);
      expect(read.body.id).toBe(entity.id);
    }

    it('adds @odata.type (declared in $metadata) and @odata.id to the entities of every list', async () => {
      const lists: Array<[string, string]> = [
        ['/api/v1/users', 'user'],
        ['/api/v1/channels', 'channel'],
        ['/api/v1/tabs', 'tab'],
        [`/api/v1/tabs/${tab.id}/contacts`, 'contact'],
        ['/api/v1/contacts', 'contact'],
        [`/api/v1/tabs/${tab.id}/contacts/delta`, 'contact'],
      ];
      for (const [path, type] of lists) {
        const res = await as().get(path).set(accept('full')).expect(200);
        expect(res.headers['content-type']).toBe('application/json; odata.metadata=full; charset=utf-8');
        expect(Object.keys(res.body)[0]).toBe('@odata.context');
        expect(res.body.value.length).toBeGreaterThan(0);
        for (const entity of res.body.value) {
          expect(entity['@odata.type']).toBe(`#${SERVICE_SCHEMA.namespace}.${type}`);
          await expectFullEntity(entity);
        }
      }
    });

    it('gives a single entity its context, type, id and etag first', async () => {
      for (const [path, set] of [
        [`/api/v1/tabs/${tab.id}/contacts/${contacts[1].id}`, 'contacts'],
        [`/api/v1/tabs('${tab.id}')`, 'tabs'],
        [`/api/v1/channels/${encodeURIComponent(CHANNEL_ID)}`, 'channels'],
        ['/api/v1/me', 'users'],
      ]) {
        const res = await as().get(path).set(accept('full')).expect(200);
        expect(res.body['@odata.context']).toBe(`${api.url}/api/v1/$metadata#${set}/$entity`);
        expect(Object.keys(res.body)[0]).toBe('@odata.context');
        await expectFullEntity(res.body);
      }
      const contact = (
        await as().get(`/api/v1/tabs/${tab.id}/contacts/${contacts[1].id}`).set(accept('full'))
      ).body;
      expect(contact['@odata.id']).toBe(`${api.url}/api/v1/tabs/${tab.id}/contacts/${contacts[1].id}`);
      expect(Object.keys(contact).slice(0, 4)).toEqual([
        '@odata.context',
        '@odata.type',
        '@odata.id',
        '@odata.etag',
      ]);
    });

    it('with none, drops context and etags but keeps paging, the count and the ETag header', async () => {
      const page = await as()
        .get(`/api/v1/tabs/${tab.id}/contacts?$top=1&$count=true`)
        .set(accept('none'))
        .expect(200);
      expect(page.headers['content-type']).toBe('application/json; odata.metadata=none; charset=utf-8');
      expect(page.body['@odata.context']).toBeUndefined();
      expect(page.body['@odata.count']).toBe(contacts.length);
      expect(page.body['@odata.nextLink']).toContain('$skiptoken=');
      expect(JSON.stringify(page.body.value)).not.toContain('@odata');

      const single = await as()
        .get(`/api/v1/tabs/${tab.id}/contacts/${contacts[1].id}`)
        .set(accept('none'))
        .expect(200);
      expect(single.body['@odata.etag']).toBeUndefined();
      expect(single.headers.etag).toMatch(/^W\/"\d+"$/);
      expect(single.body.givenName).toBe('Bob');

      const delta = await as().get(`/api/v1/tabs/${tab.id}/contacts/delta`).set(accept('none')).expect(200);
      expect(delta.body['@odata.deltaLink']).toContain('$deltatoken=');
      expect(delta.body['@odata.context']).toBeUndefined();
    });

    it('answers minimal, named or not, exactly as without the parameter', async () => {
      const path = `/api/v1/tabs/${tab.id}/contacts/${contacts[1].id}`;
      const plain = await as().get(path).expect(200);
      const minimal = await as().get(path).set(accept('minimal')).expect(200);
      expect(minimal.body).toEqual(plain.body);
      expect(minimal.headers['content-type']).toBe('application/json; odata.metadata=minimal; charset=utf-8');
      const list = `/api/v1/tabs/${tab.id}/contacts?$orderby=givenName`;
      expect((await as().get(list).set(accept('minimal'))).body).toEqual((await as().get(list)).body);
    });

    it('accepts odata.streaming, IEEE754Compatible and charset, and writes the count as a string', async () => {
      const res = await as()
        .get(`/api/v1/tabs/${tab.id}/contacts?$count=true`)
        .set(
          'accept',
          'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=true;charset=utf-8',
        )
        .expect(200);
      expect(res.body['@odata.count']).toBe(String(contacts.length));
      expect(res.headers['content-type']).toBe(
        'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=true; charset=utf-8',
      );
      // Streaming order: control information before the properties.
      for (const entity of res.body.value) expect(Object.keys(entity)[0]).toBe('@odata.etag');
      await as().get('/api/v1/me').set('accept', 'application/json;odata.streaming=false').expect(200);
      const metadata = await as().get('/api/v1/$metadata').set(accept('full')).expect(200);
      expect(metadata.body).toEqual(json);
    });

    it("lets each request of a $batch inherit the batch's Accept unless it sends its own", async () => {
      const path = `/tabs/${tab.id}/contacts/${contacts[1].id}`;
      const res = await request(api.url)
        .post('/api/v1/$batch')
        .set('authorization', bearer(token))
        .set(accept('full'))
        .send({
          requests: [
            { id: 'inherits', method: 'GET', url: path },
            {
              id: 'own',
              method: 'GET',
              url: path,
              headers: { accept: 'application/json;odata.metadata=none' },
            },
          ],
        })
        .expect(200);
      const [inherits, own] = res.body.responses;
      expect(inherits.body['@odata.type']).toBe(`#${SERVICE_SCHEMA.namespace}.contact`);
      expect(inherits.headers['content-type']).toBe('application/json; odata.metadata=full; charset=utf-8');
      expect(own.body['@odata.etag']).toBeUndefined();
      expect(own.body.id).toBe(contacts[1].id);
    });

    it('answers an unsupported format parameter with 406 (OData: services MUST reject them)', async () => {
      for (const value of [
        'application/json;odata.metadata=verbose',
        'application/json;odata.streaming=maybe',
        'application/json;IEEE754Compatible=yes',
        'application/json;charset=iso-8859-1',
        'application/json;odata.foo=bar',
      ]) {
        const res = await as().get(`/api/v1/tabs/${tab.id}/contacts`).set('accept', value);
        expect([value, res.status]).toEqual([value, 406]);
        expectErrorBody(res, 'NotAcceptable');
        expect(res.body.error.target).toBe('Accept');
      }
      const before = await storedContacts().countDocuments();
      await as()
        .post(`/api/v1/tabs/${tab.id}/contacts`, { givenName: 'Never' })
        .set('accept', 'application/json;odata.metadata=verbose')
        .expect(406);
      expect(await storedContacts().countDocuments()).toBe(before);
      // Another acceptable range is served.
      await as()
        .get(`/api/v1/tabs/${tab.id}/contacts`)
        .set('accept', 'application/json;odata.metadata=verbose, */*;q=0.1')
        .expect(200);
    });
  });

  describe('methods', () => {
    const GUID_IN_PATH = '0f4e2a6b-8c1d-4e3f-9a5b-7c6d5e4f3a2b';
    it.each([
      ['TRACE', '/api/v1/tabs', 'GET, HEAD, POST'],
      ['QUERY', '/api/v1/tabs', 'GET, HEAD, POST'],
      ['PUT', '/api/v1/tabs', 'GET, HEAD, POST'],
      ['PROPFIND', '/api/v1/tabs', 'GET, HEAD, POST'],
      ['DELETE', '/api/v1/$batch', 'POST'],
      ['POST', '/api/v1/me', 'GET, HEAD'],
      ['PATCH', `/api/v1/tabs('x')/contacts`, 'GET, HEAD, POST'],
      ['OPTIONS', '/api/v1/tabs', 'GET, HEAD, POST'],
      // A static segment is not an id: the methods of …/contacts/{id} are not this URL's.
      ['OPTIONS', `/api/v1/tabs/${GUID_IN_PATH}/contacts/delta`, 'GET, HEAD'],
      ['PUT', `/api/v1/tabs/${GUID_IN_PATH}/contacts/export`, 'GET, HEAD'],
      ['OPTIONS', `/api/v1/tabs/${GUID_IN_PATH}/contacts/import`, 'POST'],
    ])('answers %s %s with 405, Allow: %s, in the error body', async (method, path, allow) => {
      const res = await send(api.url, method, path, { authorization: bearer(token) });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expectErrorBody(res, 'MethodNotAllowed');
    });

    it('keeps 404 for a path no route declares, whatever the method', async () => {
      for (const method of ['GET', 'TRACE', 'QUERY', 'OPTIONS']) {
        const res = await send(api.url, method, '/api/v1/no-such-thing');
        expect([method, res.status]).toEqual([method, 404]);
        expectErrorBody(res, 'NotFound');
      }
    });

    it('still answers CORS preflights, with a request id', async () => {
      const res = await send(api.url, 'OPTIONS', '/api/v1/tabs', {
        origin: 'https://teams.microsoft.com',
        'access-control-request-method': 'PATCH',
        'access-control-request-headers': 'authorization, if-match',
      });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://teams.microsoft.com');
      expect(res.headers['access-control-allow-methods']).toContain('PATCH');
      expect(res.headers['request-id']).toMatch(UUID);
    });
  });

  describe('responses Node and Fastify write themselves', () => {
    const host = 'Host: 127.0.0.1\r\n';

    it.each([
      [
        'headers over 16 KiB',
        `GET /api/v1/tabs HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
        431,
      ],
      ['a URL over 16 KiB', `GET /api/v1/tabs?$filter=${'a'.repeat(17 * 1024)} HTTP/1.1\r\n${host}\r\n`, 431],
      ['a bad Content-Length', `POST /api/v1/tabs HTTP/1.1\r\n${host}Content-Length: abc\r\n\r\n`, 400],
      ['a method the parser does not know', `FOO /api/v1/tabs HTTP/1.1\r\n${host}\r\n`, 400],
      [
        'Content-Length beside Transfer-Encoding',
        `POST /api/v1/tabs HTTP/1.1\r\n${host}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        400,
      ],
    ])(
      'answers %s in the error body, with a new request id, closing the connection',
      async (_label, text, status) => {
        const answer = await rawExchange(api.url, text);
        expect(answer.status).toBe(status);
        expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(answer.headers.connection).toBe('close');
        expect(answer.headers['request-id']).toMatch(UUID);
        expectErrorBody(answer, status === 431 ? 'RequestHeaderFieldsTooLarge' : 'BadRequest');
        expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
      },
    );

    it.each([
      [
        'an unmet Expect',
        `GET /api/v1/me HTTP/1.1\r\n${host}Expect: 200-ok\r\nConnection: close\r\n\r\n`,
        417,
        'ExpectationFailed',
      ],
      ['no Host header', 'GET /api/v1/me HTTP/1.1\r\nConnection: close\r\n\r\n', 400, 'BadRequest'],
      [
        'a text body',
        `POST /api/v1/tabs HTTP/1.1\r\n${host}Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`,
        415,
        'UnsupportedMediaType',
      ],
      [
        'a body over the limit',
        `POST /api/v1/tabs HTTP/1.1\r\n${host}Content-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\nConnection: close\r\n\r\n`,
        413,
        'PayloadTooLarge',
      ],
      ['an unmatched route', `GET /nowhere HTTP/1.1\r\n${host}Connection: close\r\n\r\n`, 404, 'NotFound'],
      ['a CONNECT', `CONNECT 127.0.0.1:443 HTTP/1.1\r\n${host}\r\n`, 501, 'NotImplemented'],
    ])('answers %s in the error body with the request id', async (_label, text, status, code) => {
      const answer = await rawExchange(api.url, text);
      expect(answer.status).toBe(status);
      expectErrorBody(answer, code);
    });

    it('answers requests arriving on an open connection while the server closes with 503 in the error body', async () => {
      const closing = await startTestApp('interopclose', {}, [KeyProbeModule]);
      const { port } = new URL(closing.url);
      const socket = connect(Number(port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      const ended = new Promise((resolve) => socket.on('close', resolve));
      socket.write(`GET /api/v1/probes/a/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const closed = closing.app.getHttpAdapter().getInstance().close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.write(
        `GET /api/v1/probes/b HTTP/1.1\r\nHost: 127.0.0.1\r\nclient-request-id: closing-1\r\n\r\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      KeyProbeController.release();
      await ended;
      await closed;
      await closing.close();
      const answers = Buffer.concat(chunks)
        .toString('utf8')
        .split(/(?=HTTP\/1\.1 )/);
      expect(answers).toHaveLength(2);
      expect(answers[0]).toMatch(/^HTTP\/1\.1 200 /);
      const [head, body] = answers[1].split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 503 /);
      expect(head).toMatch(/\r\nrequest-id: closing-1\r\n/);
      expect(head).toMatch(/\r\nconnection: close\r\n/i);
      expect(JSON.parse(body).error).toMatchObject({
        code: 'ServiceUnavailable',
        innererror: { 'request-id': 'closing-1' },
      });
    });
  });

  describe('unpaired surrogates in JSON', () => {
    const post = (text: string | Buffer) =>
      request(api.url)
        .post(`/api/v1/tabs/${tab.id}/contacts?allowDuplicate=true`)
        .set('authorization', bearer(token))
        .set('content-type', 'application/json')
        .send(text);

    it.each([
      [
        'a nested value',
        '{"givenName":"Eve","emailAddresses":[{"address":"eve@contoso.com","name":"\\ud800"}]}',
        'emailAddresses.0.name',
      ],
      ['a lone low surrogate', '{"givenName":"Eve","surname":"x\\udc00y"}', 'surname'],
      ['a high surrogate before a non-surrogate', '{"givenName":"\\uD83Dx"}', 'givenName'],
      ['a property name', '{"givenName":"Eve","customFields":{"\\ud800":"x"}}', 'customFields'],
    ])('refuses %s with 400 naming it, and stores nothing', async (_label, text, target) => {
      const before = await storedContacts().countDocuments();
      const res = await post(text);
      expect(res.status).toBe(400);
      expectErrorBody(res, 'BadRequest');
      expect(res.body.error.details).toEqual([expect.objectContaining({ code: 'InvalidValue', target })]);
      expect(await storedContacts().countDocuments()).toBe(before);
      expect(await storedContacts().countDocuments({ givenName: 'Eve' })).toBe(0);
    });

    it('refuses bytes that are not UTF-8 instead of storing U+FFFD', async () => {
      const res = await post(
        Buffer.concat([Buffer.from('{"givenName":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]),
      );
      expect(res.status).toBe(400);
      expectErrorBody(res, 'BadRequest');
      expect(await storedContacts().countDocuments({ givenName: { $regex: '\uFFFD' } })).toBe(0);
    });

    it('keeps paired surrogates, escaped or as UTF-8', async () => {
      for (const text of ['{"givenName":"Joy \\ud83d\\ude00"}', '{"givenName":"Joy 😀"}']) {
        const res = await post(text);
        expect(res.status).toBe(201);
        expect(res.body.givenName).toBe('Joy 😀');
        expect((await as().get(`/api/v1/tabs/${tab.id}/contacts/${res.body.id}`)).body.givenName).toBe(
          'Joy 😀',
        );
      }
    });
  });
});
