import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config';

/** How often the watchdog looks, and how long the service may miss a database that answers others. */
const CHECK_INTERVAL_MS = 5_000;
const STALL_AFTER_MS = 15_000;

/** What the watchdog does after one look: nothing, or open the driver's connection anew. */
export function watchdogVerdict(input: {
  now: number;
  /** Since when the service's own ping fails (undefined: it answers). */
  failingSince: number | undefined;
  /** Whether a fresh client reached the database just now (asked only once the stall is long enough). */
  freshClientAnswers: () => Promise<boolean>;
}): Promise<'wait' | 'reconnect'> {
  if (input.failingSince === undefined || input.now - input.failingSince < STALL_AFTER_MS) {
    return Promise.resolve('wait');
  }
  return input.freshClientAnswers().then((answers) => (answers ? 'reconnect' : 'wait'));
}

/**
 * Reopens the driver's client when it stays blind to a database that is back. Seen after a database
 * restart under load (fault test, mongodb 6.20, on both embedded engines): the server monitor kept one
 * check "in progress" on a connection whose socket was gone, so the server stayed Unknown and every
 * request answered 503 while a fresh client's ping succeeded. Closing and connecting the same client starts
 * a new topology with new monitors; the models' collections run on it, since the driver looks the topology
 * up per operation.
 */
@Injectable()
export class DatabaseWatchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private timer?: NodeJS.Timeout;
  private failingSince?: number;
  private busy = false;

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One look (public for tests): ping through the service's client; reconnect it when it is stuck. */
  async check(now = Date.now()): Promise<'wait' | 'reconnect'> {
    if (this.busy) return 'wait';
    this.busy = true;
    try {
      const answers = await this.ping(this.connection.getClient());
      this.failingSince = answers ? undefined : (this.failingSince ?? now);
      const verdict = await watchdogVerdict({
        now,
        failingSince: this.failingSince,
        freshClientAnswers: () => this.freshClientAnswers(),
      });
      if (verdict === 'reconnect') await this.reconnect();
      return verdict;
    } finally {
      this.busy = false;
    }
  }

  /** Closes and connects the service's client again: a new topology, new monitors, new pool. */
  async reconnect(): Promise<void> {
    this.logger.warn(
      'the database answers a new connection but not the service: reconnecting the database client',
    );
    const client = this.connection.getClient();
    await client.close(true).catch(() => undefined);
    await client.connect();
    this.failingSince = undefined;
  }

  private async ping(client: MongoClient): Promise<boolean> {
    try {
      await client.db('admin').command({ ping: 1 });
      return true;
    } catch {
      return false;
    }
  }

  private async freshClientAnswers(): Promise<boolean> {
    const probe = new MongoClient(this.config.mongodbUri, {
      serverSelectionTimeoutMS: this.config.mongodbTimeoutMs,
      connectTimeoutMS: this.config.mongodbTimeoutMs,
      maxPoolSize: 1,
    });
    try {
      await probe.connect();
      return await this.ping(probe);
    } catch {
      return false;
    } finally {
      await probe.close(true).catch(() => undefined);
    }
  }
}
