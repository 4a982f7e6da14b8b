import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { type BatchCaller, CurrentBatchCaller } from './batch-caller.decorator';
import { BatchService } from './batch.service';
import { BatchRequestDto, BatchResponseDto } from './dto/batch.dto';

@ApiTags('batch')
@Auth()
@Controller('api/v1')
export class BatchController {
  constructor(private readonly batch: BatchService) {}

  /**
   * Runs up to 20 requests in one call (Microsoft Graph's JSON batch format). Each runs as if sent alone,
   * with the caller's token; `dependsOn` orders them, and a request whose dependency did not succeed
   * answers 424 without running. Responses come in the order of the requests.
   */
  @Post('$batch')
  @HttpCode(200)
  // Responses may hold contacts, which are never cached.
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: BatchResponseDto, description: 'Each request answered with its own status.' })
  @ApiBadRequestResponse({
    description:
      'The batch is malformed (more than 20 requests, duplicate ids, absolute or nested $batch URLs, unknown ' +
      'methods, reserved headers, a body on GET, unknown or cyclic dependsOn): nothing ran.',
    type: ErrorResponseDto,
  })
  execute(
    @Body() body: BatchRequestDto,
    @CurrentBatchCaller() caller: BatchCaller,
  ): Promise<BatchResponseDto> {
    return this.batch.execute(body, caller);
  }
}
