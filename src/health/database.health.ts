import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Connection } from 'mongoose';

export const READY_PING_TIMEOUT_MS = 1000;

/** Ready means a real `ping` answered in time, not merely a connection state that may be stale. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly health: HealthIndicatorService,
  ) {}

  async ping(key = 'database'): Promise<HealthIndicatorResult> {
    const check = this.health.check(key);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const db = this.connection.db;
      if (!db) return check.down({ message: 'not connected' });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${READY_PING_TIMEOUT_MS} ms`)),
          READY_PING_TIMEOUT_MS,
        );
      });
      await Promise.race([db.command({ ping: 1 }), timeout]);
      return check.up({ responseTimeMs: Date.now() - started });
    } catch (error) {
      return check.down({ message: error instanceof Error ? error.message : 'ping failed' });
    } finally {
      clearTimeout(timer);
    }
  }
}
