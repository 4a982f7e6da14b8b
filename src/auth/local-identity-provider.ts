/**
 * The local identity provider for development and tests: one implementation shared by the service (which
 * serves the provider in-process when AUTH_MODE=local) and by `npm run token` (which mints tokens).
 *
 * It plays Azure AD v2 for `passport-azure-ad`'s BearerStrategy: an HTTPS discovery document and JWKS on
 * loopback, and RS256 access tokens with Azure AD's claims. Its key material lives in one folder
 * (LOCAL_IDP_DIR, default .data/local-idp), created on first use by whichever process comes first:
 *   signing-key.pem   RSA private key that signs tokens (its JWK thumbprint is the `kid`)
 *   tls.pem           self-signed certificate for 127.0.0.1/localhost and its private key
 * It is part of the service (src/ compiles on its own, as the container image builds it), but production
 * never loads it: the service refuses local mode with NODE_ENV=production.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface LocalIdpKeyMaterial {
  dir: string;
  signingKey: crypto.KeyObject;
  jwk: SigningJwk;
  kid: string;
  tls: { cert: string; key: string };
}

interface SigningJwk {
  kty: string;
  use: 'sig';
  kid: string;
  n: string;
  e: string;
}

export interface AccessTokenOptions {
  issuer: string;
  audience: string;
  tenantId: string;
  userId: string;
  name?: string;
  upn?: string;
  /** `null` leaves the claim out; undefined uses the UPN. */
  email?: string | null;
  admin?: boolean;
  roles?: string[];
  /** `null` or '' leaves `scp` out; undefined uses `access_as_user`. */
  scope?: string | null;
  expiresIn?: number;
  /** Seconds since the epoch used for iat/nbf/exp. */
  now?: number;
}

export interface LocalIdpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Audience of local tokens when AZURE_AD_CLIENT_ID is unset (a fixed, obviously local application id). */
export const LOCAL_CLIENT_ID = '00000000-0000-4000-8000-00000000c0de';
/** The client application the tokens say they were issued to (`azp`): Teams' desktop and web client. */
const TEAMS_CLIENT_APP_ID = '1fec8e78-bce4-4aaf-ab1b-5451cc387264';
export const DEFAULT_PORT = 3999;
export const DEFAULT_DIR = path.join('.data', 'local-idp');
export const DEFAULT_SCOPE = 'access_as_user';
export const ADMIN_ROLE = 'ContactPro.Admin';
const SIGNING_KEY_FILE = 'signing-key.pem';
const TLS_FILE = 'tls.pem';
/** A certificate this close to its end is replaced before use. */
const TLS_RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;
const TLS_LIFETIME_DAYS = 825;

/**
 * Writes a file only if it does not exist yet, atomically: concurrent creators (two test workers, the
 * service and the token script) all end up reading the same winner.
 */
function writeOnce(file: string, content: string | Buffer): void {
  const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.partial`;
  fs.writeFileSync(partial, content, { mode: 0o600 });
  try {
    fs.linkSync(partial, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** Replaces a file atomically (rename), for material that has to be renewed. */
function replaceFile(file: string, content: string): void {
  const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.partial`;
  fs.writeFileSync(partial, content, { mode: 0o600 });
  fs.renameSync(partial, file);
}

function loadSigningKey(dir: string): { privateKey: crypto.KeyObject; jwk: SigningJwk } {
  const file = path.join(dir, SIGNING_KEY_FILE);
  if (!fs.existsSync(file)) {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeOnce(file, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  }
  const privateKey = crypto.createPrivateKey(fs.readFileSync(file));
  const { kty, n, e } = crypto.createPublicKey(privateKey).export({ format: 'jwk' }) as {
    kty: string;
    n: string;
    e: string;
  };
  // RFC 7638 thumbprint: members in lexicographic order, no whitespace.
  const kid = crypto.createHash('sha256').update(JSON.stringify({ e, kty, n })).digest('base64url');
  return { privateKey, jwk: { kty, use: 'sig', kid, n, e } };
}

async function createTlsPem(): Promise<string> {
  // Loaded only here: the package is needed once per machine, when the certificate is first made.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const selfsigned = require('selfsigned') as {
    generate(
      attributes: { name: string; value: string }[],
      options: Record<string, unknown>,
    ): Promise<{ cert: string; private: string }>;
  };
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + TLS_LIFETIME_DAYS * 24 * 60 * 60 * 1000);
  const pems = await selfsigned.generate(
    [{ name: 'commonName', value: 'Contact Pro local identity provider' }],
    {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    },
  );
  return `${pems.cert.trim()}\n${pems.private.trim()}\n`;
}

function parseTlsPem(pem: string): { cert: string; key: string; validTo: Date } | undefined {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem);
  if (!cert || !key) return undefined;
  const x509 = new crypto.X509Certificate(cert[0]);
  return { cert: `${cert[0]}\n`, key: `${key[0]}\n`, validTo: new Date(x509.validTo) };
}

async function loadTls(dir: string): Promise<{ cert: string; key: string }> {
  const file = path.join(dir, TLS_FILE);
  if (!fs.existsSync(file)) writeOnce(file, await createTlsPem());
  let tls = parseTlsPem(fs.readFileSync(file, 'utf8'));
  if (!tls || tls.validTo.getTime() - Date.now() < TLS_RENEW_BEFORE_MS) {
    replaceFile(file, await createTlsPem());
    tls = parseTlsPem(fs.readFileSync(file, 'utf8'));
    if (!tls) throw new Error(`the local identity provider's certificate ${file} cannot be read`);
  }
  return { cert: tls.cert, key: tls.key };
}

/** The provider's key material from `dir`, created there on first use. */
export async function loadKeyMaterial(dir: string): Promise<LocalIdpKeyMaterial> {
  const absolute = path.resolve(dir);
  fs.mkdirSync(absolute, { recursive: true, mode: 0o700 });
  const { privateKey, jwk } = loadSigningKey(absolute);
  const tls = await loadTls(absolute);
  return { dir: absolute, signingKey: privateKey, jwk, kid: jwk.kid, tls };
}

/** The provider's base URL for a port (the URL it serves and the prefix of its issuers). */
export function providerUrl(port: number): string {
  return `https://127.0.0.1:${port}`;
}

/** The issuer of a tenant's tokens, shaped like Azure AD v2's `https://login.microsoftonline.com/<tid>/v2.0`. */
export function issuerFor(baseUrl: string, tenantId: string): string {
  return `${baseUrl}/${tenantId}/v2.0`;
}

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs a JWT with RS256 (the only algorithm the provider announces). */
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  privateKey: crypto.KeyObject,
): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  const signature = crypto.sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

/** The claims of an Azure AD v2 access token for this API. */
export function accessTokenClaims(options: AccessTokenOptions): Record<string, unknown> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const expiresIn = options.expiresIn ?? 3600;
  const upn = options.upn ?? `user-${options.userId.slice(0, 8)}@contoso.test`;
  const roles = options.roles ?? (options.admin ? [ADMIN_ROLE] : []);
  const scope = options.scope === undefined ? DEFAULT_SCOPE : options.scope;
  const claims: Record<string, unknown> = {
    aud: options.audience,
    iss: options.issuer,
    iat: now,
    nbf: now,
    exp: now + expiresIn,
    azp: TEAMS_CLIENT_APP_ID,
    azpacr: '0',
    name: options.name ?? 'Local User',
    oid: options.userId,
    preferred_username: upn,
    sub: crypto.createHash('sha256').update(`${options.tenantId}:${options.userId}`).digest('base64url'),
    tid: options.tenantId,
    uti: crypto.randomBytes(16).toString('base64url'),
    ver: '2.0',
  };
  if (scope) claims.scp = scope;
  if (roles.length > 0) claims.roles = roles;
  const email = options.email === undefined ? upn : options.email;
  if (email) claims.email = email;
  return claims;
}

/** Mints an access token signed with the provider's key (from {@link loadKeyMaterial}). */
export function mintToken(
  keys: Pick<LocalIdpKeyMaterial, 'signingKey' | 'kid'>,
  options: AccessTokenOptions,
): string {
  return signJwt({ typ: 'JWT', alg: 'RS256', kid: keys.kid }, accessTokenClaims(options), keys.signingKey);
}

/** Azure AD v2's discovery document, for `common` (issuer with `{tenantid}`) or one tenant. */
export function discoveryDocument(baseUrl: string, tenant: string): Record<string, unknown> {
  const issuerTenant = tenant === 'common' || tenant === 'organizations' ? '{tenantid}' : tenant;
  return {
    token_endpoint: `${baseUrl}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${baseUrl}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: issuerFor(baseUrl, issuerTenant),
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${baseUrl}/oidc/userinfo`,
    authorization_endpoint: `${baseUrl}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${baseUrl}/${tenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${baseUrl}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'nbf',
      'name',
      'oid',
      'tid',
      'preferred_username',
      'email',
    ],
    tenant_region_scope: null,
    cloud_instance_name: 'localhost',
  };
}

const TENANT_SEGMENT =
  '(common|organizations|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})';
const DISCOVERY_PATH = new RegExp(`^/${TENANT_SEGMENT}/v2\\.0/\\.well-known/openid-configuration$`);
const KEYS_PATH = new RegExp(`^/${TENANT_SEGMENT}/discovery/v2\\.0/keys$`);

/** Serves the discovery documents and the JWKS over HTTPS on 127.0.0.1. */
export function startProvider({
  keys,
  port = DEFAULT_PORT,
}: {
  keys: LocalIdpKeyMaterial;
  port?: number;
}): Promise<LocalIdpServer> {
  let baseUrl = '';
  const server = https.createServer({ cert: keys.tls.cert, key: keys.tls.key }, (req, res) => {
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, { error: 'method_not_allowed' });
      return;
    }
    const pathname = new URL(req.url ?? '/', baseUrl).pathname;
    const discovery = DISCOVERY_PATH.exec(pathname);
    if (discovery) send(200, discoveryDocument(baseUrl, discovery[1].toLowerCase()));
    else if (KEYS_PATH.test(pathname)) send(200, { keys: [keys.jwk] });
    else send(404, { error: 'not_found' });
  });
  // Tokens are never sent to the provider; short timeouts keep a stuck client from holding a socket.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const actualPort = (server.address() as AddressInfo).port;
      baseUrl = providerUrl(actualPort);
      resolve({
        url: baseUrl,
        port: actualPort,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * True when a provider with these keys already answers on the port: several instances of the service on one
 * machine (the scale-out test, a local load-balanced setup) then share it, so that every instance accepts
 * the same tokens (their issuer names the provider's port).
 */
export function servesKeys(port: number, keys: LocalIdpKeyMaterial): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get(
      `${providerUrl(port)}/common/discovery/v2.0/keys`,
      { ca: keys.tls.cert, timeout: 2000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { keys?: SigningJwk[] };
            resolve(res.statusCode === 200 && body.keys?.some((jwk) => jwk.kid === keys.kid) === true);
          } catch {
            resolve(false);
          }
        });
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/** The settings the token script shares with the service, read from the same environment variables. */
export function settingsFromEnv(env: Record<string, string | undefined> = process.env): {
  dir: string;
  port: number;
  clientId: string;
  scope: string;
} {
  const port =
    env.LOCAL_IDP_PORT && env.LOCAL_IDP_PORT.trim() !== '' ? Number(env.LOCAL_IDP_PORT) : DEFAULT_PORT;
  return {
    dir: path.resolve(
      env.LOCAL_IDP_DIR && env.LOCAL_IDP_DIR.trim() !== '' ? env.LOCAL_IDP_DIR.trim() : DEFAULT_DIR,
    ),
    port,
    clientId: (env.AZURE_AD_CLIENT_ID && env.AZURE_AD_CLIENT_ID.trim()) || LOCAL_CLIENT_ID,
    scope: (env.AZURE_AD_REQUIRED_SCOPE && env.AZURE_AD_REQUIRED_SCOPE.trim()) || DEFAULT_SCOPE,
  };
}
