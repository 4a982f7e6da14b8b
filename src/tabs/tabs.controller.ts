import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Auth, type AuthenticatedUser, CurrentUser } from '../auth';
import { ErrorResponseDto } from '../common/errors/error-response.dto';
import { ApiIfMatch } from '../common/http/etag';
import { ApiODataList, ODataQuery, type ODataCollection } from '../odata';
import { CreateTabDto, UpdateTabDto } from './dto/create-tab.dto';
import { TabCollectionDto, TabDto } from './dto/tab.dto';
import { tabModel } from './tab.entity-model';
import { TabIdPipe } from './tab-id.pipe';
import { TabsService } from './tabs.service';

@ApiTags('tabs')
@Auth()
@ApiNotFoundResponse({ description: "No such tab in the caller's organization.", type: ErrorResponseDto })
@Controller('api/v1/tabs')
export class TabsController {
  constructor(private readonly tabs: TabsService) {}

  /** Creates a contact book for a Teams tab; records its channel and makes the caller its first owner. */
  @Post()
  @ApiBody({
    type: CreateTabDto,
    examples: {
      tab: {
        summary: 'A contact book with a custom field and a category',
        value: {
          channelId: '19:a1b2c3@thread.tacv2',
          channelName: 'Sales',
          displayName: 'Suppliers',
          customFields: [{ key: 'industry', label: 'Industry', type: 'text' }],
          categories: [{ name: 'Supplier', color: '#107c10' }],
        },
      },
    },
  })
  @ApiCreatedResponse({ type: TabDto, description: 'Location and ETag headers name the new tab.' })
  create(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateTabDto): Promise<TabDto> {
    return this.tabs.create(user, body);
  }

  /** The contact books of the caller's organization. */
  @Get()
  @ApiODataList(tabModel, TabCollectionDto, {
    search: false,
    select: 'displayName,channelId',
    filter: "channelId eq '19:a1b2c3@thread.tacv2'",
    orderby: 'displayName',
  })
  list(
    @CurrentUser() user: AuthenticatedUser,
    @ODataQuery(tabModel) query: ODataQuery,
  ): Promise<ODataCollection<TabDto>> {
    return this.tabs.list(user, query);
  }

  @Get(':tabId')
  @ApiOkResponse({ type: TabDto })
  get(@CurrentUser() user: AuthenticatedUser, @Param('tabId', TabIdPipe) tabId: string): Promise<TabDto> {
    return this.tabs.get(user, tabId);
  }

  /** Owners and administrators change the configuration; properties left out keep their value. */
  @Patch(':tabId')
  @ApiIfMatch()
  @ApiBody({
    type: UpdateTabDto,
    examples: {
      rename: { summary: 'A new name', value: { displayName: 'Key suppliers' } },
    },
  })
  @ApiOkResponse({ type: TabDto })
  @ApiConflictResponse({ description: 'A custom field in use would change type.', type: ErrorResponseDto })
  update(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Body() body: UpdateTabDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<TabDto> {
    return this.tabs.update(user, tabId, body, ifMatch);
  }

  /** Removes the tab with its contacts and favourites (and its channel's record when no other tab uses it). */
  @Delete(':tabId')
  @HttpCode(204)
  @ApiIfMatch()
  @ApiNoContentResponse()
  delete(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<void> {
    return this.tabs.delete(user, tabId, ifMatch);
  }
}
