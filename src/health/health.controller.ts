import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth';
import { SharedStateHealthIndicator } from '../shared-state/shared-state.health';
import { BlobStorageHealthIndicator } from '../blob-storage/blob-storage.health';
import { DatabaseHealthIndicator } from './database.health';
import { ShutdownState } from './shutdown-state';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly shutdown: ShutdownState,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: SharedStateHealthIndicator,
    private readonly blobStorage: BlobStorageHealthIndicator,
  ) {}

  private shuttingDown(): HealthIndicatorResult {
    return this.indicators.check('shutdown').down({ message: 'the service is shutting down' });
  }

  /** Liveness: 200 while the process serves requests. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * Readiness: 200 when the database answers a ping within 1 s (and the photo storage, when photos are
   * on), else 503 (terminus's body either way); 503 from the moment the process is told to shut down.
   * `redis` says whether the instances share rate limits and cache invalidation right now; an unreachable
   * Redis degrades the instance but keeps it ready.
   */
  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({
    description:
      'The database (and the photo storage, when photos are on) answered. `details.redis.shared` says whether rate limits and cache invalidation are shared by the instances right now.',
  })
  @ApiServiceUnavailableResponse({
    description: 'The database or the photo storage did not answer in time, or the service is shutting down.',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => (this.shutdown.shuttingDown ? this.shuttingDown() : this.database.ping()),
        () => this.redis.check(),
        ...(this.blobStorage.enabled ? [() => this.blobStorage.ping()] : []),
      ]);
    } catch (error) {
      // Probes expect terminus's own body on 503, not the API error body.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
