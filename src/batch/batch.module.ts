import { Module } from '@nestjs/common';
import { BatchController } from './batch.controller';
import { BatchService } from './batch.service';

/** `POST /api/v1/$batch`: JSON batching of the API's own requests. */
@Module({
  controllers: [BatchController],
  providers: [BatchService],
})
export class BatchModule {}
