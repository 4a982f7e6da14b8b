import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Auth, type AuthenticatedUser, CurrentUser } from '../auth';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ApiODataList, ODataQuery, type ODataCollection } from '../odata';
import { channelModel } from './channel.entity-model';
import { ChannelsService } from './channels.service';
import { CHANNEL_ID } from './dto/channel-id';
import { ChannelCollectionDto, ChannelDto } from './dto/channel.dto';
import { PutChannelDto } from './dto/put-channel.dto';

const CHANNEL_ID_PARAM = ApiParam({
  name: 'id',
  description: 'The Teams channel id, URL-encoded (e.g. 19%3Aa1b2c3%40thread.tacv2)',
  schema: { type: 'string', pattern: CHANNEL_ID.source },
});

@ApiTags('channels')
@Auth()
@Controller('api/v1/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  /** The channels of the caller's organization that hold Contact Pro tabs. */
  @Get()
  @ApiODataList(channelModel, ChannelCollectionDto, {
    search: false,
    select: 'displayName,teamName',
    filter: "startswith(displayName,'sales')",
    orderby: 'displayName',
  })
  list(
    @CurrentUser() user: AuthenticatedUser,
    @ODataQuery(channelModel) query: ODataQuery,
  ): Promise<ODataCollection<ChannelDto>> {
    return this.channels.list(user, query);
  }

  @Get(':id')
  @CHANNEL_ID_PARAM
  @ApiOkResponse({ type: ChannelDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<ChannelDto> {
    return this.channels.get(user, id);
  }

  /** Records a channel or updates its name (idempotent): 201 when it was new, 200 otherwise. */
  @Put(':id')
  @CHANNEL_ID_PARAM
  @ApiOkResponse({ type: ChannelDto })
  @ApiCreatedResponse({ type: ChannelDto })
  async put(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Body() body: PutChannelDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ChannelDto> {
    const { channel, created } = await this.channels.upsert(user, id, body);
    void reply.status(created ? 201 : 200);
    return channel;
  }

  /** Tenant administrators remove a channel record that no tab uses any more. */
  @Delete(':id')
  @Auth({ admin: true })
  @HttpCode(204)
  @CHANNEL_ID_PARAM
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ description: 'Tabs still use the channel.', type: ErrorResponseDto })
  delete(@CurrentUser() user: AuthenticatedUser, @Param('id') id: string): Promise<void> {
    return this.channels.delete(user, id);
  }
}
