import { PassportStrategy } from '@nestjs/passport';
import { Authenticator, Passport } from 'passport';
import { BearerStrategy, BearerStrategyOptions, TokenPayload } from 'passport-azure-ad';
import type { AuthConfig } from '../config/app-config';
import { invalidToken } from './auth-errors';
import { ADMIN_ROLE, AuthenticatedUser, TokenInfo } from './authenticated-user';
import type { IdentityProvider } from './identity-provider';
import { GUID } from '../common/validation/guid';

export const AZURE_AD_STRATEGY = 'azure-ad-bearer';

/** Claims copied into profiles are bounded: a signed token is still no reason to store kilobytes of name. */
const MAX_CLAIM_LENGTH = 256;

/** Each strategy registers on a Passport of its own, so that two services in one process (tests) never share one. */
const authenticators = new WeakMap<object, Authenticator>();

function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed.slice(0, MAX_CLAIM_LENGTH);
}

/**
 * Azure AD v2 access tokens through passport-azure-ad's BearerStrategy: signature (keys from the provider's
 * JWKS, algorithms from its metadata, so `none` and HS256 are refused), audience, expiry and not-before
 * are the strategy's; tenant, issuer and identifiers are checked in {@link validate}. The scope is left to
 * the guard, which answers 403 for it (the strategy's own scope check would be a 401).
 */
export class AzureAdStrategy extends PassportStrategy(BearerStrategy, AZURE_AD_STRATEGY) {
  private readonly multiTenant: boolean;

  constructor(
    private readonly auth: AuthConfig,
    private readonly provider: IdentityProvider,
  ) {
    const multiTenant = auth.tenantId === 'common';
    const options: BearerStrategyOptions = {
      identityMetadata: provider.metadataUrl,
      clientID: auth.clientId,
      audience: [auth.clientId, `api://${auth.clientId}`],
      // The strategy checks the issuer when it can know it: one tenant's (from its metadata) or those of
      // the allow-list. A multi-tenant metadata document without a list has `{tenantid}` in its issuer:
      // then validate() alone checks the issuer against the token's own tenant (it always does).
      validateIssuer: !multiTenant || auth.allowedTenants !== undefined,
      issuer:
        multiTenant && auth.allowedTenants
          ? auth.allowedTenants.map((tenantId) => `${provider.issuerBaseUrl}/${tenantId}/v2.0`)
          : undefined,
      passReqToCallback: false,
      allowMultiAudiencesInToken: false,
      // The strategy logs through bunyan: errors only, and never tokens or claims.
      loggingLevel: 'error',
      loggingNoPII: true,
    };
    super(options);
    this.multiTenant = multiTenant;
  }

  /** The Passport this strategy is registered on (called by the mixin's constructor, and by the guard). */
  getPassportInstance(): Authenticator {
    let authenticator = authenticators.get(this);
    if (!authenticator) {
      authenticator = new Passport();
      authenticators.set(this, authenticator);
    }
    return authenticator;
  }

  /** Called with the payload of a token whose signature, audience and lifetime are valid. */
  validate(payload: TokenPayload): [AuthenticatedUser, TokenInfo] {
    const tid = typeof payload.tid === 'string' ? payload.tid : '';
    const oid = typeof payload.oid === 'string' ? payload.oid : '';
    if (!GUID.test(tid)) throw invalidToken('The access token has no valid tenant id (tid).');
    if (!GUID.test(oid)) throw invalidToken('The access token has no valid object id (oid).');
    if (payload.iss !== `${this.provider.issuerBaseUrl}/${tid}/v2.0`) {
      throw invalidToken('The access token was not issued by the expected identity provider.');
    }
    const tenantId = tid.toLowerCase();
    const allowed = this.multiTenant
      ? (this.auth.allowedTenants?.includes(tenantId) ?? true)
      : tenantId === this.auth.tenantId;
    if (!allowed) throw invalidToken('The tenant of the access token is not allowed to use this API.');

    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : [];
    const user: AuthenticatedUser = {
      tenantId,
      userId: oid.toLowerCase(),
      upn: text(payload.preferred_username) ?? text(payload.upn),
      displayName: text(payload.name),
      email: text(payload.email),
      isAdmin: roles.includes(ADMIN_ROLE),
    };
    return [user, { scopes, expiresAt: typeof payload.exp === 'number' ? payload.exp : 0 }];
  }
}
