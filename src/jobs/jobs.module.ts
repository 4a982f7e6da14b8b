import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TabsModule } from '../tabs/tabs.module';
import { Job, JobSchema } from './job.schema';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { JobHandlers } from './job-handlers';
import { tenantRepositoryFor } from '../common/persistence/tenant-repository.providers';

/** Persisted background jobs run under a lease by any instance; feature modules plug in their JobHandlers. */
@Module({
  imports: [MongooseModule.forFeature([{ name: Job.name, schema: JobSchema }]), TabsModule],
  controllers: [JobsController],
  providers: [JobsService, JobHandlers, tenantRepositoryFor(Job.name)],
  exports: [JobsService, JobHandlers],
})
export class JobsModule {}
