import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheInvalidation } from './cache-invalidation';
import { SharedRateLimitStorage } from './shared-rate-limit.storage';
import { SharedRedis } from './shared-redis';
import { SharedStateHealthIndicator } from './shared-state.health';

/**
 * What several instances of the service share besides the database: Redis (REDIS_URL) for the rate-limit
 * counters and the cache invalidation messages. Global: the rate limit, the caching services and readiness
 * use it.
 */
@Global()
@Module({
  imports: [TerminusModule],
  providers: [SharedRedis, CacheInvalidation, SharedRateLimitStorage, SharedStateHealthIndicator],
  exports: [SharedRedis, CacheInvalidation, SharedRateLimitStorage, SharedStateHealthIndicator],
})
export class SharedStateModule {}
