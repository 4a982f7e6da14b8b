import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/api-error';

const REALM = 'contact-pro';

/** Quotes a value for an auth-param (RFC 9110 quoted-string): our own fixed texts, never caller input. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/** 401 for a request without any credentials (RFC 6750 §3.1: no error code then). */
export function missingToken(): ApiError {
  return new ApiError(
    HttpStatus.UNAUTHORIZED,
    'InvalidAuthenticationToken',
    'Access token is empty: send it as `Authorization: Bearer <token>`.',
    undefined,
    [],
    { 'WWW-Authenticate': `Bearer realm=${quoted(REALM)}` },
  );
}

/**
 * 401 for a token that is malformed, expired, not yet valid, for another audience or issuer, from a tenant
 * that is not let in, or wrongly signed. The description is one of our fixed texts: never the token.
 */
export function invalidToken(description: string): ApiError {
  return new ApiError(HttpStatus.UNAUTHORIZED, 'InvalidAuthenticationToken', description, undefined, [], {
    'WWW-Authenticate': `Bearer realm=${quoted(REALM)}, error="invalid_token", error_description=${quoted(description)}`,
  });
}

/** 403 for a valid token that lacks the API's delegated scope (RFC 6750 §3.1 insufficient_scope). */
export function insufficientScope(scope: string): ApiError {
  const description = `The access token lacks the ${scope} scope.`;
  return new ApiError(HttpStatus.FORBIDDEN, 'Forbidden', description, undefined, [], {
    'WWW-Authenticate': `Bearer realm=${quoted(REALM)}, error="insufficient_scope", scope=${quoted(scope)}, error_description=${quoted(description)}`,
  });
}

/** 403 for a route only tenant administrators may use. */
export function adminRequired(): ApiError {
  return new ApiError(
    HttpStatus.FORBIDDEN,
    'Forbidden',
    'Only tenant administrators (app role ContactPro.Admin) may do this.',
  );
}

/** 503 when the identity provider's metadata or keys cannot be fetched: the token may well be valid. */
export function identityProviderUnavailable(): ApiError {
  return new ApiError(
    HttpStatus.SERVICE_UNAVAILABLE,
    'ServiceUnavailable',
    'The identity provider cannot be reached to validate the access token; retry later.',
    undefined,
    [],
    { 'Retry-After': '5' },
  );
}
