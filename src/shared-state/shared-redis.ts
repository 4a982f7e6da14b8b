import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

/** A command that Redis does not answer within this is failed, so a stalled Redis never stalls a request. */
const COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 2000;
/** Reconnection back-off: 100 ms, 200 ms, … at most 2 s between attempts, for as long as it takes. */
const MAX_RECONNECT_DELAY_MS = 2000;

export type RedisState = 'not configured' | 'connecting' | 'up' | 'down';

/**
 * The Redis the instances share (REDIS_URL): one connection for commands (rate-limit counters, published
 * messages) and one subscribed to the cache invalidation channel. Commands fail at once while Redis is
 * unreachable (no offline queue): the callers fall back to what one instance can do alone. Both connections
 * reconnect by themselves; losing and regaining Redis is logged once each, never per request.
 */
@Injectable()
export class SharedRedis implements OnModuleDestroy {
  private readonly logger = new Logger('SharedState');
  readonly commands?: Redis;
  readonly subscriber?: Redis;
  private lastError = '';
  private reported: 'up' | 'down' | undefined;
  private readonly reconnectListeners: Array<() => void> = [];
  private closing = false;

  constructor(config: AppConfig) {
    if (!config.redisUrl) {
      this.logger.warn(
        'REDIS_URL is not set: rate limits and cache invalidation are per instance (run one instance, or set REDIS_URL)',
      );
      return;
    }
    this.commands = this.connect(config.redisUrl, 'commands');
    this.subscriber = this.connect(config.redisUrl, 'subscriber');
  }

  get state(): RedisState {
    if (!this.commands || !this.subscriber) return 'not configured';
    if (this.commands.status === 'ready' && this.subscriber.status === 'ready') return 'up';
    return this.reported === undefined ? 'connecting' : 'down';
  }

  /** Why Redis is not up (the last connection error), for readiness. */
  get problem(): string {
    return this.lastError || `connection ${this.commands?.status ?? 'absent'}`;
  }

  /** Called each time the subscriber is back after an outage (messages sent meanwhile were lost). */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    for (const redis of [this.commands, this.subscriber]) {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    }
  }

  private connect(url: string, role: 'commands' | 'subscriber'): Redis {
    const redis = new Redis(url, {
      connectionName: `contact-pro-${role}`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: role === 'subscriber' ? null : 0,
      commandTimeout: role === 'commands' ? COMMAND_TIMEOUT_MS : undefined,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    });
    redis.on('error', (error: Error) => {
      this.lastError = error.message;
      this.report();
    });
    redis.on('close', () => {
      if (this.closing) return;
      this.lastError ||= 'connection closed';
      this.report();
    });
    redis.on('ready', () => {
      const wasDown = this.reported === 'down';
      this.lastError = '';
      this.report();
      if (role === 'subscriber' && wasDown) for (const listener of this.reconnectListeners) listener();
    });
    return redis;
  }

  /** Logs a change of state once: the first failure after being up (or at start), and the recovery. */
  private report(): void {
    const state = this.state;
    if (state === 'up' && this.reported !== 'up') {
      this.logger.log(
        this.reported === 'down'
          ? 'Redis is reachable again: rate limits and cache invalidation are shared again'
          : 'Redis connected: rate limits and cache invalidation are shared by the instances',
      );
      this.reported = 'up';
    } else if (state !== 'up' && this.reported !== 'down' && this.lastError !== '') {
      this.logger.error(
        `Redis is unreachable (${this.lastError}): rate limits fall back to this instance's counters and ` +
          'cached tabs and profiles to their time to live; reconnecting in the background',
      );
      this.reported = 'down';
    }
  }
}
