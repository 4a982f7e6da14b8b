import { ApiError } from '../common/errors/api-error';

const REALM = 'contact-pro';
/** Microsoft Graph's code for every 401 about the access token. */
const INVALID_TOKEN = 'InvalidAuthenticationToken';

/** Quotes a value for an auth-param (RFC 9110 quoted-string): our own fixed texts, never caller input. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/** 401 for a request without any credentials (RFC 6750 §3.1: no error code then). */
export function missingToken(): ApiError {
  return ApiError.unauthorized('Access token is empty: send it as `Authorization: Bearer <token>`.', {
    code: INVALID_TOKEN,
    headers: { 'WWW-Authenticate': `Bearer realm=${quoted(REALM)}` },
  });
}

/**
 * 401 for a token that is malformed, expired, not yet valid, for another audience or issuer, from a tenant
 * that is not let in, or wrongly signed. The description is one of our fixed texts: never the token.
 */
export function invalidToken(description: string): ApiError {
  return ApiError.unauthorized(description, {
    code: INVALID_TOKEN,
    headers: {
      'WWW-Authenticate': `Bearer realm=${quoted(REALM)}, error="invalid_token", error_description=${quoted(description)}`,
    },
  });
}

/** 403 for a valid token that lacks the API's delegated scope (RFC 6750 §3.1 insufficient_scope). */
export function insufficientScope(scope: string): ApiError {
  const description = `The access token lacks the ${scope} scope.`;
  return ApiError.forbidden(description, {
    headers: {
      'WWW-Authenticate': `Bearer realm=${quoted(REALM)}, error="insufficient_scope", scope=${quoted(scope)}, error_description=${quoted(description)}`,
    },
  });
}

/** 403 for a route only tenant administrators may use. */
export function adminRequired(): ApiError {
  return ApiError.forbidden('Only tenant administrators (app role ContactPro.Admin) may do this.');
}

/** 503 when the identity provider's metadata or keys cannot be fetched: the token may well be valid. */
export function identityProviderUnavailable(): ApiError {
  return ApiError.serviceUnavailable(
    'The identity provider cannot be reached to validate the access token; retry later.',
    5,
  );
}
