import { Module } from '@nestjs/common';
import { BlobStorageHealthIndicator } from './blob-storage.health';
import { BlobStorage } from './blob-storage.service';

/** Azure Blob Storage (Azurite locally): the one container that holds binary content (contact photos). */
@Module({
  providers: [BlobStorage, BlobStorageHealthIndicator],
  exports: [BlobStorage, BlobStorageHealthIndicator],
})
export class BlobStorageModule {}
