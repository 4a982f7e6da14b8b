import type { FastifyRequest } from 'fastify';
import type { UserReference } from '../common/persistence/tenant-owned.schema';

/** The app role that makes the caller an administrator of their tenant. */
export const ADMIN_ROLE = 'ContactPro.Admin';

/** Who is calling, from the validated token. Every tenant-scoped read and write starts from `tenantId`. */
export interface AuthenticatedUser {
  /** Azure AD tenant id (`tid`), a lower-case GUID. */
  tenantId: string;
  /** Azure AD object id of the user (`oid`), a lower-case GUID; the user's `id` in this API. */
  userId: string;
  /** `preferred_username` (or `upn`). */
  upn?: string;
  displayName?: string;
  email?: string;
  /** The token carries the `ContactPro.Admin` app role. */
  isAdmin: boolean;
}

export function userReferenceOf(user: AuthenticatedUser): UserReference {
  return { id: user.userId, displayName: user.displayName ?? user.upn ?? user.userId };
}

/** What the guard keeps about the token itself, beside the user. */
export interface TokenInfo {
  /** Delegated scopes (`scp`). */
  scopes: readonly string[];
  /** Expiry, seconds since the epoch (`exp`). */
  expiresAt: number;
}

const AUTHENTICATED = Symbol('contactPro.authenticated');

interface AuthenticatedRequest {
  [AUTHENTICATED]?: { user: AuthenticatedUser; token: string; info: TokenInfo };
}

/** Records the caller on the request (the guard does it once the token is valid). */
export function setAuthenticated(
  request: FastifyRequest,
  user: AuthenticatedUser,
  token: string,
  info: TokenInfo,
): void {
  (request as AuthenticatedRequest)[AUTHENTICATED] = { user, token, info };
}

/** The caller of a request that passed the guard, or undefined on public routes. */
export function authenticatedUserOf(request: FastifyRequest): AuthenticatedUser | undefined {
  return (request as AuthenticatedRequest)[AUTHENTICATED]?.user;
}

/** The caller's access token, for the on-behalf-of flow only; never log it. */
export function accessTokenOf(request: FastifyRequest): string | undefined {
  return (request as AuthenticatedRequest)[AUTHENTICATED]?.token;
}
