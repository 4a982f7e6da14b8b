import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, type AuthenticatedUser, CurrentUser } from '../auth';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { JobDto } from './dto/job.dto';
import { JobIdPipe } from './job-id.pipe';
import { JobsService } from './jobs.service';

/** Background jobs (contact imports): status, progress and the problems found, by row. */
@ApiTags('jobs')
@Auth()
@Controller('api/v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  /** A job; visible to whoever requested it, the owners of its tab and the tenant's administrators. */
  @Get(':id')
  @ApiOkResponse({ type: JobDto })
  @ApiNotFoundResponse({ description: 'No such job, or not one the caller may see.', type: ErrorResponseDto })
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', JobIdPipe) id: string): Promise<JobDto> {
    return this.jobs.get(user, id);
  }
}
