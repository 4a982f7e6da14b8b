import type { KeyObject } from 'node:crypto';

export interface LocalIdpKeyMaterial {
  dir: string;
  signingKey: KeyObject;
  jwk: { kty: string; use: 'sig'; kid: string; n: string; e: string };
  kid: string;
  tls: { cert: string; key: string };
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

export const ADMIN_ROLE: string;
export const DEFAULT_DIR: string;
export const DEFAULT_PORT: number;
export const DEFAULT_SCOPE: string;
export const LOCAL_CLIENT_ID: string;

export function accessTokenClaims(options: AccessTokenOptions): Record<string, unknown>;
export function discoveryDocument(baseUrl: string, tenant: string): Record<string, unknown>;
export function issuerFor(baseUrl: string, tenantId: string): string;
export function loadKeyMaterial(dir: string): Promise<LocalIdpKeyMaterial>;
export function mintToken(
  keys: Pick<LocalIdpKeyMaterial, 'signingKey' | 'kid'>,
  options: AccessTokenOptions,
): string;
export function providerUrl(port: number): string;
export function settingsFromEnv(env?: Record<string, string | undefined>): {
  dir: string;
  port: number;
  clientId: string;
  scope: string;
};
export function signJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  privateKey: KeyObject,
): string;
export function startProvider(options: { keys: LocalIdpKeyMaterial; port?: number }): Promise<LocalIdpServer>;
