import { Injectable, Logger } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth';
import { AppConfig } from '../config/app-config';

/** The profile fields read from Microsoft Graph `GET /me` at login. */
export interface GraphProfile {
  mail?: string | null;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  businessPhones: string[];
}

const MAX_TEXT = 256;
const MAX_PHONES = 10;

class GraphCallError extends Error {}

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, MAX_TEXT) : null;
}

/**
 * Reads the signed-in user's Graph profile through the on-behalf-of flow (delegated `User.Read`, the only
 * Graph permission the product needs). Enabled by AZURE_AD_CLIENT_SECRET. It never fails the caller's
 * request: any problem (token endpoint, Graph, timeout) is logged without the token and gives undefined.
 */
@Injectable()
export class GraphProfileClient {
  private readonly logger = new Logger('Graph');
  private readonly scope: string;

  constructor(private readonly config: AppConfig) {
    this.scope = `${new URL(config.auth.graphBaseUrl).origin}/User.Read`;
  }

  get enabled(): boolean {
    return this.config.auth.clientSecret !== undefined;
  }

  async profileOf(user: AuthenticatedUser, accessToken: string): Promise<GraphProfile | undefined> {
    if (!this.enabled) return undefined;
    // One budget for both calls: a slow Graph delays a login by at most GRAPH_TIMEOUT_MS.
    const signal = AbortSignal.timeout(this.config.auth.graphTimeoutMs);
    try {
      const graphToken = await this.onBehalfOf(user.tenantId, accessToken, signal);
      return await this.me(graphToken, signal);
    } catch (error) {
      const reason = this.describe(error);
      this.logger.warn({
        msg: 'Graph profile enrichment failed; the profile keeps the token claims',
        reason,
        tenantId: user.tenantId,
        userId: user.userId,
      });
      return undefined;
    }
  }

  /** Why a call failed, in words that carry no token. */
  private describe(error: unknown): string {
    if (error instanceof GraphCallError) return error.message;
    // fetch's errors come from Node's realm: read their names, not their classes.
    const { name, message, cause } = (error ?? {}) as {
      name?: string;
      message?: string;
      cause?: { message?: string };
    };
    if (name === 'TimeoutError' || name === 'AbortError')
      return `no answer within ${this.config.auth.graphTimeoutMs} ms`;
    return `request failed (${cause?.message ?? message ?? 'unknown error'})`;
  }

  private async onBehalfOf(tenantId: string, assertion: string, signal: AbortSignal): Promise<string> {
    const auth = this.config.auth;
    const response = await fetch(`${auth.authority}/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        client_id: auth.clientId,
        client_secret: auth.clientSecret ?? '',
        assertion,
        scope: this.scope,
        requested_token_use: 'on_behalf_of',
      }),
      redirect: 'error',
      signal,
    });
    const body = (await response.json().catch(() => undefined)) as
      { access_token?: unknown; error?: unknown; error_codes?: unknown } | undefined;
    if (!response.ok || typeof body?.access_token !== 'string') {
      // Only the error code and AADSTS numbers: the description may quote the user.
      const code = typeof body?.error === 'string' ? body.error.slice(0, 64) : 'no error code';
      const numbers = Array.isArray(body?.error_codes) ? ` ${body.error_codes.slice(0, 5).join(',')}` : '';
      throw new GraphCallError(`token endpoint answered ${response.status} (${code}${numbers})`);
    }
    return body.access_token;
  }

  private async me(graphToken: string, signal: AbortSignal): Promise<GraphProfile> {
    const response = await fetch(
      `${this.config.auth.graphBaseUrl}/me?$select=mail,jobTitle,department,officeLocation,businessPhones`,
      {
        headers: { authorization: `Bearer ${graphToken}`, accept: 'application/json' },
        redirect: 'error',
        signal,
      },
    );
    if (!response.ok) throw new GraphCallError(`Graph answered ${response.status} to GET /me`);
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object')
      throw new GraphCallError('Graph answered GET /me without a JSON object');
    const phones = Array.isArray(body.businessPhones) ? body.businessPhones : [];
    return {
      mail: textOrNull(body.mail) ?? undefined,
      jobTitle: textOrNull(body.jobTitle),
      department: textOrNull(body.department),
      officeLocation: textOrNull(body.officeLocation),
      businessPhones: phones
        .map(textOrNull)
        .filter((phone): phone is string => phone !== null)
        .slice(0, MAX_PHONES),
    };
  }
}
