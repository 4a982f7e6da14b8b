import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotAcceptableResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Auth } from '../auth';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { MetadataQueryDto } from './dto/metadata-query.dto';
import { MetadataService } from './metadata.service';

/**
 * The OData service document's schema. It needs a token like every /api/v1 route: OData clients (Power
 * Query, Excel, code generators) send the same token for `$metadata` as for the data, and the service
 * keeps one rule with no anonymous surface under /api.
 */
@ApiTags('metadata')
@Auth()
@Controller('api/v1')
export class MetadataController {
  constructor(private readonly metadata: MetadataService) {}

  /** The CSDL of the entity sets (users, channels, tabs, contacts): XML by default, JSON on request. */
  @Get('$metadata')
  @ApiOkResponse({
    description: 'CSDL XML (OData 4.0) or CSDL JSON; header OData-Version: 4.0.',
    content: {
      'application/xml': { schema: { type: 'string' } },
      'application/json': { schema: { type: 'object' } },
    },
  })
  @ApiBadRequestResponse({ description: 'An unsupported $format or query option.', type: ErrorResponseDto })
  @ApiNotAcceptableResponse({ description: 'Accept admits neither XML nor JSON.', type: ErrorResponseDto })
  document(
    @Query() query: MetadataQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    return this.metadata.respond(reply, query.$format, accept);
  }
}
