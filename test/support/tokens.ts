import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { IdentityProvider } from '../../src/auth';
// The very code of `npm run token`: tests mint what developers mint.
import * as localIdp from '../../src/auth/local-identity-provider';
import type { AccessTokenOptions, LocalIdpKeyMaterial } from '../../src/auth/local-identity-provider';
import { AppConfig } from '../../src/config/app-config';
import type { TestApp } from './app';

export const TENANT_1 = '11111111-1111-4111-8111-111111111111';
export const TENANT_2 = '22222222-2222-4222-8222-222222222222';
export const USER_A = 'aaaaaaaa-0000-4000-8000-000000000001';
export const USER_B = 'bbbbbbbb-0000-4000-8000-000000000002';

export type TokenOptions = Partial<AccessTokenOptions> & { tenantId: string; userId: string };

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Mints access tokens for one running test service, signed by its local identity provider: valid ones,
 * and every kind of invalid one the rejection tests need.
 */
export class TokenFactory {
  private constructor(
    private readonly keys: LocalIdpKeyMaterial,
    readonly issuerBaseUrl: string,
    readonly audience: string,
  ) {}

  static async for(api: TestApp): Promise<TokenFactory> {
    const config = api.app.get(AppConfig);
    const provider = api.app.get(IdentityProvider);
    const keys = await localIdp.loadKeyMaterial(config.auth.localIdp.dir);
    return new TokenFactory(keys, provider.issuerBaseUrl, config.auth.clientId);
  }

  issuer(tenantId: string): string {
    return localIdp.issuerFor(this.issuerBaseUrl, tenantId);
  }

  /** The claims of a valid token for this service, changed by `options`. */
  claims(options: TokenOptions): Record<string, unknown> {
    return localIdp.accessTokenClaims({
      issuer: this.issuer(options.tenantId),
      audience: this.audience,
      ...options,
    });
  }

  /** A valid token (unless `options` say otherwise). */
  mint(options: TokenOptions): string {
    return localIdp.mintToken(this.keys, {
      issuer: this.issuer(options.tenantId),
      audience: this.audience,
      ...options,
    });
  }

  /** Signs any header and payload with the provider's key (RS256). */
  sign(
    header: Record<string, unknown>,
    payload: Record<string, unknown>,
    key: KeyObject = this.keys.signingKey,
  ): string {
    return localIdp.signJwt(header, payload, key);
  }

  /** The JOSE header of the provider's tokens. */
  header(): Record<string, unknown> {
    return { typ: 'JWT', alg: 'RS256', kid: this.keys.kid };
  }

  /** Same header and claims, signed by a key the provider never published. */
  signedByAnotherKey(options: TokenOptions): string {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return this.sign(this.header(), this.claims(options), privateKey);
  }

  /** `alg: none`, with an empty signature or with a bogus one. */
  unsigned(options: TokenOptions, signature = ''): string {
    return `${encode({ typ: 'JWT', alg: 'none', kid: this.keys.kid })}.${encode(this.claims(options))}.${signature}`;
  }

  /**
   * The algorithm-confusion attack: HS256 with the provider's public key (as the PEM the strategy derives
   * from the JWKS) used as the HMAC secret.
   */
  hs256WithPublicKey(options: TokenOptions): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const aadutils = require('passport-azure-ad/lib/aadutils') as {
      rsaPublicKeyPem(n: string, e: string): string;
    };
    const pem = aadutils.rsaPublicKeyPem(this.keys.jwk.n, this.keys.jwk.e);
    const input = `${encode({ typ: 'JWT', alg: 'HS256', kid: this.keys.kid })}.${encode(this.claims(options))}`;
    return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
  }
}

export const MEMBER = 'cccccccc-0000-4000-8000-000000000003';
export const READER = 'dddddddd-0000-4000-8000-000000000004';
export const ADMIN = 'eeeeeeee-0000-4000-8000-000000000005';

/**
 * The people of the permission tests, one token each: the tab's owner (USER_A), a member the tab lets edit
 * contacts, a reader, a tenant administrator, and someone of the other tenant (USER_B).
 */
export interface Callers {
  owner: string;
  member: string;
  reader: string;
  admin: string;
  foreign: string;
}

export function mintCallers(tokens: TokenFactory): Callers {
  return {
    owner: tokens.mint({ tenantId: TENANT_1, userId: USER_A, name: 'Adèle Vance' }),
    member: tokens.mint({ tenantId: TENANT_1, userId: MEMBER, name: 'Megan Bowen' }),
    reader: tokens.mint({ tenantId: TENANT_1, userId: READER, name: 'Lee Gu' }),
    admin: tokens.mint({ tenantId: TENANT_1, userId: ADMIN, name: 'Admin', admin: true }),
    foreign: tokens.mint({ tenantId: TENANT_2, userId: USER_B, name: 'Other Tenant' }),
  };
}

/** `Authorization` header value. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}
