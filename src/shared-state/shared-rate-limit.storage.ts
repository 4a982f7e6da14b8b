import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { SharedRedis } from './shared-redis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Keeps the service's counters apart from anything else stored in the same Redis. */
const KEY_PREFIX = 'contact-pro:rate-limit:';

/**
 * The rate-limit counters: in Redis when it is configured and reachable, so that a tenant's budget is one
 * budget whatever instance serves it (@nest-lab/throttler-storage-redis: one atomic script per hit);
 * in this instance's memory (the throttler's own store) without Redis, or for as long as Redis does not
 * answer, so that requests keep being served and limited, per instance.
 */
@Injectable()
export class SharedRateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly shared?: ThrottlerStorageRedisService;
  private readonly local = new ThrottlerStorageService();

  constructor(private readonly redis: SharedRedis) {
    if (redis.commands) this.shared = new ThrottlerStorageRedisService(redis.commands);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.shared && this.redis.commands?.status === 'ready') {
      try {
        return await this.shared.increment(`${KEY_PREFIX}${key}`, ttl, limit, blockDuration, throttlerName);
      } catch {
        // Unreachable or too slow (SharedRedis logs it once): this request is counted here instead.
      }
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }
}
