/*
 * What other modules may use of the jobs module: the module, the service that queues jobs, the extension
 * point a module plugs its job kind into, and the job's shape as a handler and the API see it.
 */
export { JobDto } from './dto/job.dto';
export { JobFailure, JobHandlers, type JobContext, type JobHandler } from './job-handlers';
export { JOB_ERRORS_KEPT, type Job, type JobProgress, type JobRowError } from './job.schema';
export { JobsModule } from './jobs.module';
export { JobsService } from './jobs.service';
