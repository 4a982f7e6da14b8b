import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { SharedRedis } from './shared-redis';

/**
 * Readiness's view of Redis. An instance without Redis still serves (per-instance rate limits, caches bound
 * by their TTL), so Redis being down is reported in the body but does not take the instance out of the
 * load balancer: taking every instance out at once would turn a degraded service into an outage.
 */
@Injectable()
export class SharedStateHealthIndicator {
  constructor(
    private readonly redis: SharedRedis,
    private readonly health: HealthIndicatorService,
  ) {}

  check(key = 'redis'): HealthIndicatorResult {
    const state = this.redis.state;
    const indicator = this.health.check(key);
    if (state === 'not configured') return indicator.up({ shared: false, message: 'REDIS_URL is not set' });
    if (state === 'up') return indicator.up({ shared: true });
    return indicator.up({
      shared: false,
      connection: state,
      message: `${this.redis.problem}: rate limits are per instance, caches bound by their TTL`,
    });
  }
}
