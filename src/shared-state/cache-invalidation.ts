import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SharedRedis } from './shared-redis';

/** The pub/sub channel on which instances announce writes of cached things. */
export const INVALIDATION_CHANNEL = 'contact-pro:cache-invalidation';

/** What a cache holds: a tab's configuration, a user's profile, or everything of a tenant (after a purge). */
export type CachedKind = 'tab' | 'user' | 'tenant';

/** Drops one cached entry (`key`), or every entry (`undefined`: messages may have been lost). */
export type Invalidation = (key: string | undefined) => void;

interface InvalidationMessage {
  from: string;
  kind: CachedKind;
  key: string;
}

function isMessage(value: unknown): value is InvalidationMessage {
  const message = value as Partial<InvalidationMessage> | null;
  return (
    typeof message?.from === 'string' &&
    typeof message.key === 'string' &&
    (message.kind === 'tab' || message.kind === 'user' || message.kind === 'tenant')
  );
}

/**
 * Cache coherence between instances. A service that caches something subscribes its invalidation per kind;
 * a write announces the key it changed, and every other instance drops its copy when the message arrives
 * (the writer has already updated its own). A message lost while Redis was unreachable is covered twice:
 * each cache keeps its time to live, and when the subscription is back every cache is emptied.
 * Without REDIS_URL announcing does nothing: the one instance updates its own cache.
 */
@Injectable()
export class CacheInvalidation implements OnModuleInit {
  private readonly logger = new Logger('SharedState');
  /** Tells this instance's messages from the others'. */
  private readonly instanceId = randomUUID();
  private readonly handlers = new Map<CachedKind, Invalidation[]>();
  private received = 0;

  constructor(private readonly redis: SharedRedis) {}

  onModuleInit(): void {
    const subscriber = this.redis.subscriber;
    if (!subscriber) return;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === INVALIDATION_CHANNEL) this.receive(text);
    });
    // Subscribed once connected (a subscription sent before the ready check would break it); ioredis
    // subscribes again by itself after every reconnection.
    const subscribe = (): void => {
      subscriber.subscribe(INVALIDATION_CHANNEL).catch((error: Error) => {
        this.logger.error(`cannot subscribe to cache invalidation: ${error.message}`);
      });
    };
    if (subscriber.status === 'ready') subscribe();
    else subscriber.once('ready', subscribe);
    this.redis.onReconnect(() => this.dropEverything());
  }

  /** `invalidate(key)` runs when another instance announces a write of `kind` with that key. */
  subscribe(kind: CachedKind, invalidate: Invalidation): void {
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), invalidate]);
  }

  /**
   * How many invalidations this instance has received: a cache fills an entry read from the database only
   * if this did not change during the read (an invalidation that overtook the read would be lost).
   */
  get generation(): number {
    return this.received;
  }

  /** Tells the other instances that `key` of `kind` changed; never fails the write that calls it. */
  async announce(kind: CachedKind, key: string): Promise<void> {
    const commands = this.redis.commands;
    if (!commands) return;
    const message: InvalidationMessage = { from: this.instanceId, kind, key };
    try {
      await commands.publish(INVALIDATION_CHANNEL, JSON.stringify(message));
    } catch {
      // Redis is unreachable (logged once by SharedRedis): the other instances' TTL bounds the staleness.
    }
  }

  private receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!isMessage(message) || message.from === this.instanceId) return;
    this.received += 1;
    for (const invalidate of this.handlers.get(message.kind) ?? []) invalidate(message.key);
  }

  private dropEverything(): void {
    this.received += 1;
    for (const handlers of this.handlers.values()) for (const invalidate of handlers) invalidate(undefined);
  }
}
