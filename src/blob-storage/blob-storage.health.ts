import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { BlobStorage } from './blob-storage.service';

/** As the database's ping: a readiness probe answers within about a second. */
const READY_PING_TIMEOUT_MS = 1000;

/** Ready means the photo container answered; reported only when photos are on. */
@Injectable()
export class BlobStorageHealthIndicator {
  constructor(
    private readonly storage: BlobStorage,
    private readonly health: HealthIndicatorService,
  ) {}

  get enabled(): boolean {
    return this.storage.enabled;
  }

  async ping(key = 'blobStorage'): Promise<HealthIndicatorResult> {
    const check = this.health.check(key);
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), READY_PING_TIMEOUT_MS);
      });
      await Promise.race([this.storage.ping(), timeout]);
      return check.up({ responseTimeMs: Date.now() - started });
    } catch {
      return check.down({ message: 'the photo storage does not answer' });
    } finally {
      clearTimeout(timer);
    }
  }
}
