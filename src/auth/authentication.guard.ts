import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { types } from 'node:util';
import { ApiError } from '../common/errors/api-error';
import { LruCache } from '../common/lru-cache';
import { IS_PUBLIC } from './public.decorator';
import { AppConfig } from '../config/app-config';
import { AUTH_REQUIREMENT, AuthRequirement } from './auth.decorator';
import {
  adminRequired,
  identityProviderUnavailable,
  insufficientScope,
  invalidToken,
  missingToken,
} from './auth-errors';
import { AuthenticatedUser, setAuthenticated, TokenInfo } from './authenticated-user';
import { AZURE_AD_STRATEGY, AzureAdStrategy } from './azure-ad.strategy';
import { SignInHandlers } from './sign-in.handler';

/** Azure AD tokens are 1–3 KiB; a header past this is refused before any parsing. */
export const MAX_AUTHORIZATION_HEADER_BYTES = 8 * 1024;
/** `Bearer` and a compact JWS of three non-empty base64url segments, ASCII only. */
const BEARER = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i;
const API_ROUTES = '/api/';
/**
 * Tokens the strategy accepted, kept (by their SHA-256) until they expire or for 5 minutes: a client sends the
 * same token on every request for its hour of life, and checking it again (signature, claims) was about 7 % of the
 * service's CPU on a read by id. The strategy re-reads its keys on its own schedule; a key withdrawn from the
 * identity provider stops a token it signed here within 5 minutes.
 */
const VALIDATED_TOKENS = 10_000;
const VALIDATED_TOKEN_TTL_MS = 5 * 60_000;
const UNUSABLE_TOKEN = 'The access token is malformed.';
const REJECTED_TOKEN =
  'The access token is not valid for this API: it may be expired, not yet valid, for another audience, ' +
  'from another issuer, or wrongly signed.';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isJsonObject(segment: string): boolean {
  try {
    const value: unknown = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * The bearer token of a request, checked for shape before the strategy sees it: a bounded size, ASCII,
 * and a header and payload that decode to JSON objects (the strategy's own decoder would log the text of
 * a broken segment).
 */
export function bearerTokenOf(header: string | undefined): string {
  if (header === undefined || header.trim() === '') throw missingToken();
  if (header.length > MAX_AUTHORIZATION_HEADER_BYTES) {
    throw invalidToken('The Authorization header is too large.');
  }
  const match = BEARER.exec(header);
  if (!match) throw invalidToken(UNUSABLE_TOKEN);
  if (!isJsonObject(match[1]) || !isJsonObject(match[2])) throw invalidToken(UNUSABLE_TOKEN);
  return `${match[1]}.${match[2]}.${match[3]}`;
}

/**
 * The one authentication gate (registered as APP_GUARD). Every route under /api needs a valid token
 * unless it is marked @Public(); routes elsewhere need one when they say @Auth(). On success the caller
 * is on the request (@CurrentUser()), the token has the API's scope (else 403), the sign-in handler has
 * run, and admin-only routes have an administrator (else 403).
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly logger = new Logger('Auth');
  private readonly requiredScope: string;
  private readonly validated = new LruCache<[AuthenticatedUser, TokenInfo]>(
    VALIDATED_TOKENS,
    VALIDATED_TOKEN_TTL_MS,
  );

  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: AzureAdStrategy,
    config: AppConfig,
    private readonly signIns: SignInHandlers,
  ) {
    this.requiredScope = config.auth.requiredScope;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    // The route's own statement wins over its controller's: @Auth() on a route of a @Public() controller
    // protects it, @Public() on a route of an @Auth() controller opens it; @Auth() wins a tie.
    const statement = this.statementOf(context.getHandler()) ?? this.statementOf(context.getClass());
    if (statement === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!statement && !(request.routeOptions.url ?? '').startsWith(API_ROUTES)) return true;

    const token = bearerTokenOf(request.headers.authorization);
    const [user, info] = await this.validate(token);
    if (!info.scopes.includes(this.requiredScope)) throw insufficientScope(this.requiredScope);
    setAuthenticated(request, user, token, info);
    await this.signIns.signIn(user, token, info);
    if (statement?.admin && !user.isAdmin) throw adminRequired();
    return true;
  }

  private statementOf(target: Parameters<Reflector['get']>[1]): AuthRequirement | 'public' | undefined {
    const requirement = this.reflector.get<AuthRequirement | undefined>(AUTH_REQUIREMENT, target);
    if (requirement) return requirement;
    return this.reflector.get<boolean | undefined>(IS_PUBLIC, target) === true ? 'public' : undefined;
  }

  /** The strategy's verdict on a token, from the cache while the token has not expired. */
  private async validate(token: string): Promise<[AuthenticatedUser, TokenInfo]> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.validated.get(key);
    if (cached && cached[1].expiresAt * 1000 > Date.now()) return cached;
    const verdict = await this.validateWithStrategy(token);
    this.validated.set(key, verdict);
    return verdict;
  }

  /** Runs BearerStrategy on the token alone: the strategy never sees the body or query (no token there). */
  private validateWithStrategy(token: string): Promise<[AuthenticatedUser, TokenInfo]> {
    const authenticator = this.strategy.getPassportInstance();
    return new Promise((resolve, reject) => {
      const authenticate = authenticator.authenticate(
        AZURE_AD_STRATEGY,
        { session: false },
        (error, user, info) => {
          if (error) {
            reject(
              error instanceof ApiError ? error : new Error('token validation failed', { cause: error }),
            );
          } else if (!user) {
            // The strategy fails with an Error when the metadata or keys could not be fetched (isNativeError:
            // Node's own errors come from another realm under Jest), and with a fixed text (no token, no
            // claims: loggingNoPII) when the token is not valid.
            if (types.isNativeError(info)) {
              this.logger.error({ msg: 'identity provider unreachable', reason: info.message });
              reject(identityProviderUnavailable());
            } else {
              this.logger.debug({ msg: 'access token rejected', reason: String(info) });
              reject(invalidToken(REJECTED_TOKEN));
            }
          } else {
            resolve([user as AuthenticatedUser, info as TokenInfo]);
          }
        },
      );
      // Passport calls `next` only when a strategy neither succeeds nor fails, which BearerStrategy never does.
      authenticate({ headers: { authorization: `Bearer ${token}` } }, {}, (error) =>
        reject(types.isNativeError(error) ? error : new Error('token validation did not complete')),
      );
    });
  }
}
