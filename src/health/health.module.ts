import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BlobStorageModule } from '../blob-storage/blob-storage.module';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';
import { HealthProbeLogger } from './health-probe.logger';
import { ShutdownState } from './shutdown-state';

@Module({
  imports: [TerminusModule.forRoot({ logger: HealthProbeLogger, errorLogStyle: 'json' }), BlobStorageModule],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
