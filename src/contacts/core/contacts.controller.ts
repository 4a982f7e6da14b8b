import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiGoneResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Auth, type AuthenticatedUser, CurrentUser } from '../../auth';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { ApiIfMatch } from '../../common/http/etag';
import {
  ApiODataList,
  ODATA_LIMITS,
  ODataOptions,
  PRINTABLE_OPTION,
  type ODataCollection,
  type ODataRequest,
} from '../../odata';
import { TabIdPipe } from '../../tabs/tab-id.pipe';
import { contactModel, tenantContactModel } from './contact.entity-model';
import { ContactIdPipe } from './contact-id.pipe';
import type { ContactResource } from './contact-mapping';
import { ContactDeltaService, type ContactDelta } from '../delta/contact-delta.service';
import { ContactsService } from './contacts.service';
import { ContactCollectionDto, ContactDeltaDto, ContactDto } from './dto/contact.dto';
import {
  CreateContactDto,
  CreateContactQueryDto,
  NEW_CONTACT_SCHEMA,
  UpdateContactDto,
} from './dto/contact-input.dto';

/** The contacts of one tab. Responses carry `Cache-Control: no-store`. */
@ApiTags('contacts')
@Auth()
@ApiNotFoundResponse({
  description: "No such tab (or contact) in the caller's organization.",
  type: ErrorResponseDto,
})
@Controller('api/v1/tabs/:tabId/contacts')
export class ContactsController {
  constructor(
    private readonly contacts: ContactsService,
    private readonly changes: ContactDeltaService,
  ) {}

  /**
   * The tab's contacts. Filter and sort on the contact's properties and on `customFields/<key>` of the
   * tab's custom fields; `isFavorite eq true` lists the caller's favourites; `$search` matches the start
   * of words in names, company, job title, department, e-mail addresses, phone digits, categories and text
   * custom fields (every term must match).
   */
  @Get()
  @ApiODataList(contactModel, ContactCollectionDto, {
    select: 'displayName,emailAddresses',
    filter: "categories/any(c: c eq 'Supplier') and isFavorite eq true",
    orderby: 'displayName',
  })
  list(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @ODataOptions() request: ODataRequest,
  ): Promise<ODataCollection<ContactResource>> {
    return this.contacts.list(user, tabId, request);
  }

  /** Creates a contact (the tab's contact editors only). */
  @Post()
  @ApiExtraModels(CreateContactDto)
  @ApiBody({
    schema: NEW_CONTACT_SCHEMA,
    examples: {
      contact: {
        summary: 'A contact with an e-mail address and a phone',
        value: {
          givenName: 'Adele',
          surname: 'Vance',
          companyName: 'Contoso',
          jobTitle: 'Buyer',
          emailAddresses: [{ address: 'adele.vance@contoso.com', name: 'Adele Vance' }],
          phones: [{ number: '+1 (425) 555-0109', type: 'business' }],
        },
      },
    },
  })
  @ApiCreatedResponse({ type: ContactDto, description: 'Location and ETag headers name the new contact.' })
  @ApiConflictResponse({
    description: 'An e-mail address of the contact is already in the tab (details name the contacts).',
    type: ErrorResponseDto,
  })
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Body() body: CreateContactDto,
    @Query() query: CreateContactQueryDto,
  ): Promise<ContactResource> {
    return this.contacts.create(user, tabId, body, query.allowDuplicate === 'true');
  }

  /**
   * Delta sync (as Microsoft Graph's delta query): the first call pages through every contact and ends
   * with an `@odata.deltaLink`; calling that link later returns only the contacts created or changed
   * since, and the deleted ones as `{ id, "@removed": { reason: "deleted" } }`, with a new delta link.
   * Follow `@odata.nextLink` and `@odata.deltaLink` as returned; a change may come twice, never not at all.
   */
  @Get('delta')
  @ApiQuery({
    name: '$select',
    required: false,
    type: String,
    pattern: PRINTABLE_OPTION,
    maxLength: ODATA_LIMITS.maxOptionLength,
    description: 'Comma-separated properties of the changed contacts (id and etag are always returned).',
    example: 'displayName,emailAddresses',
  })
  @ApiQuery({
    name: '$top',
    required: false,
    type: 'integer',
    minimum: 1,
    maximum: ODATA_LIMITS.maxPageSize,
    description: `Page size (1–${ODATA_LIMITS.maxPageSize}, default 100).`,
  })
  @ApiQuery({
    name: '$skiptoken',
    required: false,
    type: String,
    pattern: PRINTABLE_OPTION,
    maxLength: ODATA_LIMITS.maxOptionLength,
    description:
      'From @odata.nextLink, minted and signed by the service; not with $deltatoken, $select or $top (the link carries them).',
  })
  @ApiQuery({
    name: '$deltatoken',
    required: false,
    type: String,
    pattern: PRINTABLE_OPTION,
    maxLength: ODATA_LIMITS.maxOptionLength,
    description:
      'From @odata.deltaLink, minted and signed by the service; not with $skiptoken, $select or $top (the link carries them).',
  })
  @ApiOkResponse({ type: ContactDeltaDto })
  @ApiGoneResponse({
    description: 'The delta link is older than the deletion retention period: start over without a token.',
    type: ErrorResponseDto,
  })
  delta(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @ODataOptions() request: ODataRequest,
  ): Promise<ContactDelta> {
    return this.changes.delta(user, tabId, request);
  }

  @Get(':id')
  @ApiOkResponse({ type: ContactDto })
  get(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
  ): Promise<ContactResource> {
    return this.contacts.get(user, tabId, id);
  }

  /** Changes the properties given; null (or an empty string) clears one. */
  @Patch(':id')
  @ApiIfMatch()
  @ApiBody({
    type: UpdateContactDto,
    examples: {
      jobTitle: {
        summary: 'A new job title; null clears one',
        value: { jobTitle: 'Head of purchasing', department: null },
      },
    },
  })
  @ApiOkResponse({ type: ContactDto })
  update(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
    @Body() body: UpdateContactDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ContactResource> {
    return this.contacts.update(user, tabId, id, body, ifMatch);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiIfMatch()
  @ApiNoContentResponse()
  delete(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
    @Headers('if-match') ifMatch?: string,
  ): Promise<void> {
    return this.contacts.delete(user, tabId, id, ifMatch);
  }

  /** Marks the contact as the caller's favourite (any reader of the tab; idempotent). */
  @Put(':id/favorite')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiConflictResponse({
    description: 'The contact has reached its favourite marks limit.',
    type: ErrorResponseDto,
  })
  favorite(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
  ): Promise<void> {
    return this.contacts.setFavorite(user, tabId, id, true);
  }

  /** Removes the caller's favourite mark (idempotent). */
  @Delete(':id/favorite')
  @HttpCode(204)
  @ApiNoContentResponse()
  unfavorite(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Param('id', ContactIdPipe) id: string,
  ): Promise<void> {
    return this.contacts.setFavorite(user, tabId, id, false);
  }
}

/** Search across every tab of the caller's organization. Responses carry `Cache-Control: no-store`. */
@ApiTags('contacts')
@Auth()
@Controller('api/v1/contacts')
export class ContactSearchController {
  constructor(private readonly contacts: ContactsService) {}

  /**
   * The contacts of every tab of the caller's organization, each with its `tabId` (custom fields are per
   * tab, so they are returned but not filterable here). Sort by displayName, companyName or
   * lastModifiedDateTime.
   */
  @Get()
  @ApiODataList(tenantContactModel, ContactCollectionDto, {
    select: 'displayName,emailAddresses,tabId',
    filter: "startswith(companyName,'contoso')",
    orderby: 'displayName',
  })
  search(
    @CurrentUser() user: AuthenticatedUser,
    @ODataOptions() request: ODataRequest,
  ): Promise<ODataCollection<ContactResource>> {
    return this.contacts.search(user, request);
  }
}
