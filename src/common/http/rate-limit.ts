import { ExecutionContext, Injectable, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  ThrottlerGuard,
  ThrottlerModule,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
} from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { authenticatedUserOf } from '../../auth/authenticated-user';
import { AppConfig } from '../../config/app-config';
import { SharedRateLimitStorage } from '../../shared-state/shared-rate-limit.storage';
import { ApiError } from '../errors/api-error';

export const USER_THROTTLER = 'user';
export const TENANT_THROTTLER = 'tenant';

function callerOf(request: FastifyRequest): { tenantId: string; userId: string } {
  const user = authenticatedUserOf(request);
  // The guard skips requests without a caller, so this never happens on a throttled route.
  if (!user) throw new Error('rate limit reached a request without an authenticated caller');
  return user;
}

/** Two budgets per window: one per user, one per tenant; the same counters for every route. */
export function rateLimitOptions(config: AppConfig): ThrottlerModuleOptions {
  const { windowSeconds, perUser, perTenant } = config.hardening.rateLimit;
  const ttl = windowSeconds * 1000;
  return {
    // Only the standard Retry-After on a 429: no vendor X-RateLimit-* headers on every answer.
    setHeaders: false,
    generateKey: (_context, tracker, name) => `${name}:${tracker}`,
    throttlers: [
      {
        name: USER_THROTTLER,
        ttl,
        limit: perUser,
        getTracker: (request) => {
          const caller = callerOf(request as FastifyRequest);
          return `${caller.tenantId}|${caller.userId}`;
        },
      },
      {
        name: TENANT_THROTTLER,
        ttl,
        limit: perTenant,
        getTracker: (request) => callerOf(request as FastifyRequest).tenantId,
      },
    ],
  };
}

/**
 * Rate limits per user and per tenant (@nestjs/throttler; the counters are shared by the instances in
 * Redis when REDIS_URL is set, else each instance counts its own traffic: src/shared-state). Registered as APP_GUARD after the authentication guard, so the caller is
 * known; requests without one (health probes, documentation, anything public) are never limited.
 * Over the limit: 429 in the standard error body, with Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    return authenticatedUserOf(context.switchToHttp().getRequest<FastifyRequest>()) === undefined;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const scope = detail.key.startsWith(`${TENANT_THROTTLER}:`) ? 'your organization' : 'you';
    throw ApiError.tooManyRequests(
      `Too many requests from ${scope}: at most ${detail.limit} per ${detail.ttl / 1000} s; retry later.`,
      Math.max(1, Math.ceil(detail.timeToBlockExpire)),
    );
  }
}

/**
 * The throttler, configured from the settings, and its global guard. The app module imports it after the
 * auth module, so that the guard runs after authentication (its limits are per user and per tenant).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, SharedRateLimitStorage],
      useFactory: (config: AppConfig, storage: SharedRateLimitStorage) => ({
        ...rateLimitOptions(config),
        storage,
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
