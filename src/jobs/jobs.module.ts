import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TabsModule } from '../tabs/tabs.module';
import { Job, JobSchema } from './job.schema';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { tenantRepositoryFor } from '../common/tenant-repository.providers';

/** Persisted background jobs run under a lease by any instance; feature modules register their handlers. */
@Module({
  imports: [MongooseModule.forFeature([{ name: Job.name, schema: JobSchema }]), TabsModule],
  controllers: [JobsController],
  providers: [JobsService, tenantRepositoryFor(Job.name)],
  exports: [JobsService],
})
export class JobsModule {}
