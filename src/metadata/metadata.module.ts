import { Module } from '@nestjs/common';
import { MetadataController } from './metadata.controller';
import { MetadataService } from './metadata.service';

/** `GET /api/v1/$metadata`: the CSDL of the service, generated from the entity models. */
@Module({
  controllers: [MetadataController],
  providers: [MetadataService],
})
export class MetadataModule {}
