import { AppConfig } from '../config/app-config';
import { CacheInvalidation } from './cache-invalidation';
import { SharedRateLimitStorage } from './shared-rate-limit.storage';
import { SharedRedis } from './shared-redis';

/** Nothing listens on port 1 of loopback: a Redis that never answers. */
const UNREACHABLE = 'redis://127.0.0.1:1';

function redisFor(redisUrl: string | undefined): SharedRedis {
  return new SharedRedis({ redisUrl } as AppConfig);
}

describe('SharedRateLimitStorage', () => {
  it('counts in this instance without REDIS_URL, and blocks past the limit', async () => {
    const storage = new SharedRateLimitStorage(redisFor(undefined));
    const hits = [];
    for (let i = 0; i < 3; i++) hits.push(await storage.increment('user:t|u', 60_000, 2, 60_000, 'user'));
    expect(hits.map((hit) => [hit.totalHits, hit.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    storage.onApplicationShutdown();
  });

  it('keeps serving and limiting, per instance, while Redis is unreachable; readiness says so', async () => {
    const redis = redisFor(UNREACHABLE);
    const storage = new SharedRateLimitStorage(redis);
    const started = Date.now();
    const first = await storage.increment('tenant:t', 60_000, 1, 60_000, 'tenant');
    const second = await storage.increment('tenant:t', 60_000, 1, 60_000, 'tenant');
    expect(Date.now() - started).toBeLessThan(200);
    expect([first.isBlocked, second.isBlocked]).toEqual([false, true]);
    expect(redis.state).not.toBe('up');
    storage.onApplicationShutdown();
    await redis.onModuleDestroy();
  });
});

describe('CacheInvalidation', () => {
  it('announces nothing and never fails without Redis, or while Redis is unreachable', async () => {
    for (const url of [undefined, UNREACHABLE]) {
      const redis = redisFor(url);
      const invalidation = new CacheInvalidation(redis);
      invalidation.onModuleInit();
      const dropped: Array<string | undefined> = [];
      invalidation.subscribe('tab', (key) => dropped.push(key));
      await expect(invalidation.announce('tab', 't|1')).resolves.toBeUndefined();
      expect(dropped).toEqual([]);
      expect(invalidation.generation).toBe(0);
      await redis.onModuleDestroy();
    }
  });
});
