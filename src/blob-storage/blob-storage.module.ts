import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BlobStorageHealthIndicator } from './blob-storage.health';
import { BlobStorage } from './blob-storage.service';

/** Azure Blob Storage (Azurite locally): the one container that holds binary content (contact photos). */
@Module({
  imports: [TerminusModule],
  providers: [BlobStorage, BlobStorageHealthIndicator],
  exports: [BlobStorage, BlobStorageHealthIndicator],
})
export class BlobStorageModule {}
