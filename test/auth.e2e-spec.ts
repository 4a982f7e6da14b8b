import { Controller, Get, Module } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { Agent, get as httpsGet } from 'node:https';
import { rootCertificates } from 'node:tls';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/app.factory';
import { Auth, type AuthenticatedUser, CurrentUser, IdentityProvider } from '../src/auth';
import { Public } from '../src/auth';
import { AppConfig } from '../src/config/app-config';
import { loadConfig } from '../src/config/load-config';
import { startTestApp, TestApp } from './support/app';
import { connectTestClient, testDatabaseName, testMongoUri } from './support/database';
import { FakeGraph } from './support/fake-graph';
import { runServiceWith } from './support/service-start';
import { bearer, TENANT_1, TENANT_2, TokenFactory, USER_A, USER_B } from './support/tokens';

/** Routes mounted only in this test: what the decorators and the guard do, seen from a handler. */
@Controller()
class AuthProbeController {
  @Get('api/v1/auth-probe/whoami')
  @Auth()
  whoami(@CurrentUser() user: AuthenticatedUser): AuthenticatedUser {
    return user;
  }

  @Get('api/v1/auth-probe/admin')
  @Auth({ admin: true })
  admin(@CurrentUser() user: AuthenticatedUser): { ok: true; userId: string } {
    return { ok: true, userId: user.userId };
  }

  @Get('api/v1/auth-probe/undecorated')
  undecorated(): { ok: true } {
    return { ok: true };
  }

  @Get('api/v1/auth-probe/public')
  @Public()
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('auth-probe/outside-api')
  @Auth()
  outside(): { ok: true } {
    return { ok: true };
  }
}

/** @Auth() on a controller, refined or lifted on its routes. */
@Controller('api/v1/auth-probe-class')
@Auth()
class ClassLevelProbeController {
  @Get('read')
  read(): { ok: true } {
    return { ok: true };
  }

  @Get('purge')
  @Auth({ admin: true })
  purge(): { ok: true } {
    return { ok: true };
  }

  @Get('open')
  @Public()
  open(): { ok: true } {
    return { ok: true };
  }
}

/** @Public() on a controller: a route of it that says @Auth() is still protected. */
@Controller('api/v1/auth-probe-public-class')
@Public()
class PublicClassProbeController {
  @Get('open')
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('closed')
  @Auth()
  closed(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [AuthProbeController, ClassLevelProbeController, PublicClassProbeController] })
class AuthProbeModule {}

const ROOT = join(__dirname, '..');
/** Object id of every token the rejection cases use: nothing may be stored for it. */
const REJECTED_USER = 'dddddddd-0000-4000-8000-00000000dead';

function expectUnauthorized(res: request.Response, token?: string): void {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="contact-pro"/);
  expect(res.body.error.code).toBe('InvalidAuthenticationToken');
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.innererror['request-id']).toBe(res.headers['request-id']);
  if (token) {
    const signature = token.split('.')[2];
    const echoed = JSON.stringify(res.body) + JSON.stringify(res.headers);
    if (signature) expect(echoed).not.toContain(signature);
    expect(echoed).not.toContain(token.slice(0, 40));
  }
}

/** Sends raw header bytes (latin1), which supertest would refuse to send. */
function getWithRawAuthorization(
  url: string,
  path: string,
  header: Buffer,
): Promise<{ status: number; headers: any; body: any }> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'GET',
        headers: { authorization: header.toString('latin1') },
      },
      (res) => {
        let data = '';
        res.on('data', (chunk) => (data += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(data) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('authentication', () => {
  let api: TestApp;
  let tokens: TokenFactory;

  beforeAll(async () => {
    api = await startTestApp('auth', {}, [AuthProbeModule]);
    tokens = await TokenFactory.for(api);
  });
  afterAll(() => api.close());

  const user = { tenantId: TENANT_1, userId: USER_A, name: 'Adele Vance', upn: 'adele@contoso.test' };

  describe('a valid token', () => {
    it('lets the caller in and gives @CurrentUser() the token claims', async () => {
      const res = await request(api.url)
        .get('/api/v1/auth-probe/whoami')
        .set('authorization', bearer(tokens.mint(user)));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        tenantId: TENANT_1,
        userId: USER_A,
        upn: 'adele@contoso.test',
        displayName: 'Adele Vance',
        email: 'adele@contoso.test',
        isAdmin: false,
      });
    });

    it('accepts the audience as api://<client id> too, and a lower-case scheme', async () => {
      const token = tokens.mint({ ...user, audience: `api://${tokens.audience}` });
      const res = await request(api.url)
        .get('/api/v1/auth-probe/whoami')
        .set('authorization', `bearer ${token}`);
      expect(res.status).toBe(200);
    });

    it('lets anyone through a @Public() route under /api, and keeps probes open', async () => {
      expect((await request(api.url).get('/api/v1/auth-probe/public')).status).toBe(200);
      expect((await request(api.url).get('/health/live')).status).toBe(200);
    });

    it('guards routes under /api without any decorator, and routes elsewhere that say @Auth()', async () => {
      expectUnauthorized(await request(api.url).get('/api/v1/auth-probe/undecorated'));
      expectUnauthorized(await request(api.url).get('/auth-probe/outside-api'));
      const token = tokens.mint(user);
      expect(
        (await request(api.url).get('/api/v1/auth-probe/undecorated').set('authorization', bearer(token)))
          .status,
      ).toBe(200);
      expect(
        (await request(api.url).get('/auth-probe/outside-api').set('authorization', bearer(token))).status,
      ).toBe(200);
    });
  });

  describe('the admin role', () => {
    it('lets a token with the ContactPro.Admin app role into an admin route', async () => {
      const token = tokens.mint({ ...user, admin: true });
      const whoami = await request(api.url)
        .get('/api/v1/auth-probe/whoami')
        .set('authorization', bearer(token));
      expect(whoami.body.isAdmin).toBe(true);
      const res = await request(api.url).get('/api/v1/auth-probe/admin').set('authorization', bearer(token));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, userId: USER_A });
    });

    it('answers 403 to anyone else', async () => {
      for (const roles of [[], ['ContactPro.Reader'], ['contactpro.admin']]) {
        const token = tokens.mint({ ...user, roles });
        const res = await request(api.url)
          .get('/api/v1/auth-probe/admin')
          .set('authorization', bearer(token));
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('Forbidden');
      }
    });
  });

  describe('@Auth() on a controller', () => {
    it('guards every route, lets a route ask for an administrator, and a @Public() route stays open', async () => {
      const member = tokens.mint(user);
      const admin = tokens.mint({ ...user, admin: true });
      const get = (path: string, token?: string) => {
        const req = request(api.url).get(`/api/v1/auth-probe-class/${path}`);
        return token ? req.set('authorization', bearer(token)) : req;
      };
      expectUnauthorized(await get('read'));
      expect((await get('read', member)).status).toBe(200);
      expect((await get('purge', member)).status).toBe(403);
      expect((await get('purge', admin)).status).toBe(200);
      expect((await get('open')).status).toBe(200);
    });

    it('lets a route of a @Public() controller ask for a token with @Auth()', async () => {
      const base = '/api/v1/auth-probe-public-class';
      expect((await request(api.url).get(`${base}/open`)).status).toBe(200);
      expectUnauthorized(await request(api.url).get(`${base}/closed`));
      const res = await request(api.url)
        .get(`${base}/closed`)
        .set('authorization', bearer(tokens.mint(user)));
      expect(res.status).toBe(200);
    });
  });

  describe('the required scope', () => {
    it.each([
      ['no scp claim', null],
      ['another scope', 'User.Read'],
      ['a scope that only starts like it', 'access_as_user_x'],
    ])('answers 403 with insufficient_scope for %s', async (_label, scope) => {
      const token = tokens.mint({ ...user, userId: REJECTED_USER, scope });
      const res = await request(api.url).get('/api/v1/me').set('authorization', bearer(token));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('Forbidden');
      expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
      expect(res.headers['www-authenticate']).toContain('scope="access_as_user"');
    });

    it('accepts the scope among others', async () => {
      const token = tokens.mint({ ...user, scope: 'User.Read access_as_user' });
      expect(
        (await request(api.url).get('/api/v1/auth-probe/whoami').set('authorization', bearer(token))).status,
      ).toBe(200);
    });
  });

  describe('rejections (401 with WWW-Authenticate and the error body)', () => {
    const now = Math.floor(Date.now() / 1000);
    const rejected = { tenantId: TENANT_1, userId: REJECTED_USER };

    const headerCases: Array<[string, () => string | undefined]> = [
      ['no Authorization header', () => undefined],
      ['an empty Authorization header', () => ''],
      ['the scheme alone', () => 'Bearer'],
      ['the scheme and a space', () => 'Bearer '],
      ['another scheme', () => 'Basic YWRlbGU6c2VjcmV0'],
      ['two spaces after the scheme', () => `Bearer  ${tokens.mint(rejected)}`],
      ['a token of two segments', () => `Bearer ${tokens.mint(rejected).split('.').slice(0, 2).join('.')}`],
      ['a token with base64 padding', () => `Bearer ${tokens.mint(rejected)}==`],
      [
        'a token with characters outside base64url',
        () => `Bearer ${tokens.mint(rejected).replace(/\./, '+.')}`,
      ],
      ['two tokens', () => `Bearer ${tokens.mint(rejected)} ${tokens.mint(rejected)}`],
      [
        'a JOSE header that is not JSON',
        () => `Bearer ${Buffer.from('{"alg":').toString('base64url')}.e30.c2ln`,
      ],
      [
        'a JOSE header that is a JSON array',
        () => `Bearer ${Buffer.from('[1]').toString('base64url')}.e30.c2ln`,
      ],
      [
        'a JOSE header that is not UTF-8',
        () => `Bearer ${Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url')}.e30.c2ln`,
      ],
      [
        'a garbage token of 6 KiB',
        () => `Bearer ${'A'.repeat(2048)}.${'B'.repeat(2048)}.${'C'.repeat(2048)}`,
      ],
      ['an Authorization header of 12 KiB', () => `Bearer ${'a'.repeat(12 * 1024)}`],
      ['alg none without a signature', () => `Bearer ${tokens.unsigned(rejected)}`],
    ];

    it.each(headerCases)('refuses %s, quickly', async (_label, header) => {
      const value = header();
      const started = Date.now();
      const req = request(api.url).get('/api/v1/me');
      const res = value === undefined ? await req : await req.set('authorization', value);
      expect(Date.now() - started).toBeLessThan(1000);
      expectUnauthorized(res, value?.slice(7));
      if (value === undefined || value === '')
        expect(res.headers['www-authenticate']).toBe('Bearer realm="contact-pro"');
      else expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('refuses bytes that are not UTF-8 in the header itself', async () => {
      const header = Buffer.concat([
        Buffer.from('Bearer '),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
        Buffer.from('.e30.c2ln'),
      ]);
      const res = await getWithRawAuthorization(api.url, '/api/v1/me', header);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect(res.body.error.code).toBe('InvalidAuthenticationToken');
    });

    const tokenCases: Array<[string, () => string]> = [
      ['an expired token', () => tokens.mint({ ...rejected, now: now - 7200, expiresIn: 3600 })],
      ['a token not yet valid', () => tokens.mint({ ...rejected, now: now + 3600 })],
      [
        'another audience',
        () => tokens.mint({ ...rejected, audience: '99999999-9999-4999-8999-999999999999' }),
      ],
      [
        'another audience as api://',
        () => tokens.mint({ ...rejected, audience: 'api://99999999-9999-4999-8999-999999999999' }),
      ],
      [
        'several audiences',
        () =>
          tokens.sign(tokens.header(), { ...tokens.claims(rejected), aud: [tokens.audience, 'api://other'] }),
      ],
      [
        'the Azure AD issuer',
        () => tokens.mint({ ...rejected, issuer: `https://login.microsoftonline.com/${TENANT_1}/v2.0` }),
      ],
      ['a v1 issuer', () => tokens.mint({ ...rejected, issuer: `https://sts.windows.net/${TENANT_1}/` })],
      [
        'the issuer of another tenant than its tid',
        () => tokens.mint({ ...rejected, issuer: tokens.issuer(TENANT_2) }),
      ],
      ['a signature by another key under the same kid', () => tokens.signedByAnotherKey(rejected)],
      [
        'a payload changed after signing',
        () => {
          const [header, , signature] = tokens.mint(rejected).split('.');
          const forged = Buffer.from(
            JSON.stringify({ ...tokens.claims(rejected), roles: ['ContactPro.Admin'] }),
          ).toString('base64url');
          return `${header}.${forged}.${signature}`;
        },
      ],
      [
        'an unknown key id',
        () => tokens.sign({ ...tokens.header(), kid: 'no-such-key' }, tokens.claims(rejected)),
      ],
      ['no key id', () => tokens.sign({ typ: 'JWT', alg: 'RS256' }, tokens.claims(rejected))],
      ['alg none with a signature', () => tokens.unsigned(rejected, 'c2lnbmF0dXJl')],
      ['HS256 signed with the public key', () => tokens.hs256WithPublicKey(rejected)],
      [
        'no typ header (the payload is not read as JSON)',
        () => tokens.sign({ alg: 'RS256', kid: tokens.header().kid }, tokens.claims(rejected)),
      ],
      ['a tid that is not a GUID', () => tokens.mint({ ...rejected, tenantId: 'contoso.onmicrosoft.com' })],
      ['no tid', () => tokens.sign(tokens.header(), { ...tokens.claims(rejected), tid: undefined })],
      ['an oid that is not a GUID', () => tokens.mint({ ...rejected, userId: 'adele' })],
      ['an oid with a GUID inside', () => tokens.mint({ ...rejected, userId: `x${REJECTED_USER}` })],
      ['no oid', () => tokens.sign(tokens.header(), { ...tokens.claims(rejected), oid: undefined })],
    ];

    it.each(tokenCases)('refuses %s', async (_label, mint) => {
      const token = mint();
      const res = await request(api.url).get('/api/v1/me').set('authorization', bearer(token));
      expectUnauthorized(res, token);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('stored nothing for any rejected token', async () => {
      const client = await connectTestClient();
      try {
        const users = client.db(api.dbName).collection('users');
        expect(await users.countDocuments({ userId: REJECTED_USER })).toBe(0);
        expect(await users.countDocuments({ userId: { $in: ['adele', `x${REJECTED_USER}`] } })).toBe(0);
        expect(await users.countDocuments({ tenantId: 'contoso.onmicrosoft.com' })).toBe(0);
      } finally {
        await client.close();
      }
    });
  });

  describe('the allow-list of tenants', () => {
    let restricted: TestApp;
    let restrictedTokens: TokenFactory;

    beforeAll(async () => {
      restricted = await startTestApp('authallow', { AZURE_AD_ALLOWED_TENANTS: TENANT_1 });
      restrictedTokens = await TokenFactory.for(restricted);
    });
    afterAll(() => restricted.close());

    it('lets an allowed tenant in and answers 401 to the others', async () => {
      const allowed = restrictedTokens.mint({ tenantId: TENANT_1, userId: USER_A });
      expect(
        (await request(restricted.url).get('/api/v1/me').set('authorization', bearer(allowed))).status,
      ).toBe(200);
      const other = restrictedTokens.mint({ tenantId: TENANT_2, userId: USER_B });
      const res = await request(restricted.url).get('/api/v1/me').set('authorization', bearer(other));
      expectUnauthorized(res, other);
    });

    it('keeps each service to its own provider: a token of one is refused by the other', async () => {
      const foreign = tokens.mint({ tenantId: TENANT_1, userId: USER_A });
      expectUnauthorized(
        await request(restricted.url).get('/api/v1/me').set('authorization', bearer(foreign)),
        foreign,
      );
    });
  });

  describe('the local identity provider', () => {
    function fetchJson(url: string, agent?: Agent): Promise<any> {
      return new Promise((resolve, reject) => {
        httpsGet(url, { agent }, (res) => {
          let data = '';
          res.on('data', (chunk) => (data += chunk));
          res.on('end', () => resolve(JSON.parse(data)));
        }).on('error', reject);
      });
    }

    it('serves an Azure AD v2 discovery document and its keys over HTTPS on loopback', async () => {
      const provider = api.app.get(IdentityProvider);
      expect(provider.metadataUrl).toMatch(
        /^https:\/\/127\.0\.0\.1:\d+\/common\/v2\.0\/\.well-known\/openid-configuration$/,
      );
      const metadata = await fetchJson(provider.metadataUrl);
      expect(metadata).toMatchObject({
        issuer: `${provider.issuerBaseUrl}/{tenantid}/v2.0`,
        id_token_signing_alg_values_supported: ['RS256'],
        jwks_uri: `${provider.issuerBaseUrl}/common/discovery/v2.0/keys`,
        token_endpoint: `${provider.issuerBaseUrl}/common/oauth2/v2.0/token`,
      });
      const tenant = await fetchJson(
        `${provider.issuerBaseUrl}/${TENANT_1}/v2.0/.well-known/openid-configuration`,
      );
      expect(tenant.issuer).toBe(tokens.issuer(TENANT_1));
      const { keys } = await fetchJson(metadata.jwks_uri);
      expect(keys).toEqual([expect.objectContaining({ kty: 'RSA', use: 'sig', kid: tokens.header().kid })]);
      expect(keys[0].d).toBeUndefined();
    });

    it('is trusted through its own certificate, not by turning certificate checks off', async () => {
      expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
      const provider = api.app.get(IdentityProvider);
      const usualRoots = new Agent({ ca: [...rootCertificates] });
      await expect(fetchJson(provider.metadataUrl, usualRoots)).rejects.toMatchObject({
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      });
      usualRoots.destroy();
    });
  });

  describe('an unreachable identity provider', () => {
    it('answers 503 with Retry-After: the token may well be valid', async () => {
      const cut = await startTestApp('authidpdown', {
        AUTH_MODE: 'azure-ad',
        AZURE_AD_CLIENT_ID: '6b4bd3a1-0d2f-4c0c-9a57-3b3c2a6f1e42',
        AZURE_AD_TENANT_ID: 'common',
        AZURE_AD_AUTHORITY: 'https://127.0.0.1:9',
      });
      try {
        const res = await request(cut.url)
          .get('/api/v1/me')
          .set('authorization', bearer(tokens.mint(user)));
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body.error.code).toBe('ServiceUnavailable');
      } finally {
        await cut.close();
      }
    });
  });

  describe('OpenAPI', () => {
    it('shows the bearer scheme and the 401/403 answers on every /api/v1 operation, and none on probes', async () => {
      const doc = (await request(api.url).get('/docs-json')).body;
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      const operations = Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
        Object.values(item).map((operation) => ({ path, operation })),
      );
      const product = operations.filter(
        ({ path }) => path.startsWith('/api/v1/') && !path.includes('auth-probe'),
      );
      expect(product.map(({ path }) => path)).toEqual(
        expect.arrayContaining(['/api/v1/me', '/api/v1/users', '/api/v1/users/{id}']),
      );
      for (const { operation } of product) {
        expect(operation.security).toEqual([{ bearer: [] }]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
      const byPath = (path: string) => operations.find((entry) => entry.path === path)?.operation;
      expect(byPath('/api/v1/auth-probe-class/read')?.security).toEqual([{ bearer: [] }]);
      expect(byPath('/api/v1/auth-probe-class/purge')?.security).toEqual([{ bearer: [] }]);
      expect(byPath('/api/v1/auth-probe-class/open')?.security).toBeUndefined();
      for (const { path, operation } of operations.filter(({ path }) => path.startsWith('/health/'))) {
        expect([path, operation.security]).toEqual([path, undefined]);
      }
    });
  });

  describe('npm run token', () => {
    it('prints only a token that the running service accepts', () => {
      const config = api.app.get(AppConfig);
      const provider = api.app.get(IdentityProvider);
      const result = spawnSync(
        'npm',
        [
          'run',
          '--silent',
          'token',
          '--',
          '--tenant',
          TENANT_2,
          '--user',
          USER_B,
          '--name',
          'Bianca Pisani',
          '--admin',
        ],
        {
          cwd: ROOT,
          encoding: 'utf8',
          env: {
            ...process.env,
            LOCAL_IDP_DIR: config.auth.localIdp.dir,
            LOCAL_IDP_PORT: new URL(provider.issuerBaseUrl).port,
          },
        },
      );
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
      return request(api.url)
        .get('/api/v1/auth-probe/whoami')
        .set('authorization', bearer(result.stdout.trim()))
        .expect(200)
        .then((res) =>
          expect(res.body).toMatchObject({
            tenantId: TENANT_2,
            userId: USER_B,
            displayName: 'Bianca Pisani',
            isAdmin: true,
          }),
        );
    });

    it('refuses arguments that are not GUIDs, on stderr only', () => {
      const result = spawnSync(
        process.execPath,
        ['scripts/token.js', '--tenant', 'contoso', '--user', USER_A],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('--tenant must be a GUID');
    });

    it('refuses to mint with NODE_ENV=production: exit 1, one message, no token', () => {
      const result = spawnSync(
        process.execPath,
        ['scripts/token.js', '--tenant', TENANT_1, '--user', USER_A],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_ENV: 'production' } },
      );
      expect(result.status).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toEqual([
        expect.stringContaining('refused with NODE_ENV=production'),
      ]);
    });
  });

  describe('production', () => {
    it.each([
      ['AUTH_MODE=local', { AUTH_MODE: 'local' }, /AUTH_MODE="local"/],
      ['no Azure AD settings', {}, /AZURE_AD_CLIENT_ID is not set[\s\S]*AZURE_AD_TENANT_ID is not set/],
    ])('refuses to start with %s: exit 1 and a message naming the variables', (_label, env, message) => {
      const result = runServiceWith({
        NODE_ENV: 'production',
        MONGODB_URI: 'mongodb://127.0.0.1:9',
        AZURE_AD_CLIENT_SECRET: 'do-not-print-me',
        ...env,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/^Invalid configuration:/);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('do-not-print-me');
    });
  });

  describe('logs', () => {
    it('never contain a token, whatever happens to it', async () => {
      const lines: string[] = [];
      const graph = await FakeGraph.start();
      graph.mode = 'token-refused';
      const config = loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'trace',
        MONGODB_URI: testMongoUri(),
        MONGODB_DB_NAME: testDatabaseName('authlogs'),
        AZURE_AD_CLIENT_SECRET: 'test-client-secret',
        AZURE_AD_AUTHORITY: graph.authority,
        GRAPH_BASE_URL: graph.graphBaseUrl,
      });
      // The service's own logger, and the process's streams (passport-azure-ad writes there through bunyan).
      const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
      const stdout = jest
        .spyOn(process.stdout, 'write')
        .mockImplementation((chunk: any) => lines.push(String(chunk)) > 0);
      const stderr = jest
        .spyOn(process.stderr, 'write')
        .mockImplementation((chunk: any) => lines.push(String(chunk)) > 0);
      let app: NestFastifyApplication | undefined;
      try {
        app = await createApp(config, { logger });
        await app.listen({ port: 0, host: '127.0.0.1' });
        const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
        const logged = await TokenFactory.for({
          app,
          url,
          dbName: config.mongodbDbName,
          container: config.photos.container,
          close: () => app!.close(),
        });
        const now = Math.floor(Date.now() / 1000);
        const valid = { tenantId: TENANT_1, userId: USER_A };
        const sent = [
          logged.mint(valid),
          logged.mint({ ...valid, now: now - 7200, expiresIn: 60 }),
          logged.mint({ ...valid, audience: 'api://other' }),
          logged.signedByAnotherKey(valid),
          logged.hs256WithPublicKey(valid),
          logged.mint({ ...valid, scope: null }),
          logged.mint({ ...valid, userId: 'adele' }),
          `${Buffer.from('{"alg":"RS256","typ":"JWT","kid":"secret-header').toString('base64url')}.e30.c2ln`,
          `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from('{"tid":"secret-payload').toString('base64url')}.c2ln`,
        ];
        for (const token of sent) await request(url).get('/api/v1/me').set('authorization', bearer(token));
        expect(graph.tokenRequests()).toHaveLength(1);
        const text = lines.join('');
        expect(text).toContain('request completed');
        expect(text).toContain('Graph profile enrichment failed');
        for (const token of sent) {
          for (const segment of token.split('.')) if (segment.length > 8) expect(text).not.toContain(segment);
        }
        expect(text).not.toContain('secret-header');
        expect(text).not.toContain('secret-payload');
        expect(text).not.toContain('test-client-secret');
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
        await app?.close();
        await graph.stop();
      }
    });
  });
});
