import { Controller, Get, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Auth, type AuthenticatedUser, CurrentUser } from '../../auth';
import { UploadRoute } from '../../common/http/body-limit';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { JobDto } from '../../jobs';
import { ApiODataQuery, ODataOptions, type ODataRequest } from '../../odata';
import { TabIdPipe } from '../../tabs/tab-id.pipe';
import { contactModel } from '../core/contact.entity-model';
import { ContactExportService } from './contact-export.service';
import { ContactImportService } from './contact-import.service';
import { EXPORT_FORMATS } from './dto/contact-export.dto';
import { ContactImportFormDto } from './dto/contact-import.dto';

/** Import of contacts from files (a background job) and streamed export. Responses carry `Cache-Control: no-store`. */
@ApiTags('contacts')
@Auth()
@ApiNotFoundResponse({ description: "No such tab in the caller's organization.", type: ErrorResponseDto })
@Controller('api/v1/tabs/:tabId/contacts')
export class ContactTransferController {
  constructor(
    private readonly imports: ContactImportService,
    private readonly exports: ContactExportService,
  ) {}

  /**
   * Imports contacts from an .xlsx, .csv or .vcf file (the tab's contact editors only). The file is
   * checked at once (type, size, structure, row count, mapping); its rows are then validated and written
   * by a job: the answer is 202 with `Location: /api/v1/jobs/{id}`. Columns are mapped from their headers
   * (this product's export, Outlook's and Google Contacts' CSV, the tab's labels and custom fields) or by
   * the `mapping` field.
   */
  @Post('import')
  @UploadRoute()
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: ContactImportFormDto })
  @ApiAcceptedResponse({ type: JobDto, description: 'Location names the job.' })
  @ApiBadRequestResponse({
    description:
      'Unreadable file (damaged, not UTF-8, unbalanced quotes, too many rows, too big once decompressed) or bad options.',
    type: ErrorResponseDto,
  })
  @ApiPayloadTooLargeResponse({
    description: 'The file is larger than IMPORT_MAX_FILE_BYTES.',
    type: ErrorResponseDto,
  })
  @ApiUnsupportedMediaTypeResponse({
    description:
      'Not multipart, or not an xlsx, CSV or vCard file (or an extension that lies about the content).',
    type: ErrorResponseDto,
  })
  import(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    return this.imports.start(user, tabId, request, reply);
  }

  /**
   * The tab's contacts as a file, streamed: xlsx or CSV with every field as columns (visible fields
   * first, under their labels; phones and addresses in numbered columns), which imports back whole, or
   * the `$select`ed fields only; or vCard 4.0. Honours `$filter`, `$search` and `$orderby` as the list
   * does, and `$skip` and `$top` over the whole file; no paging, so `$count` and `$skiptoken` are a 400.
   */
  @Get('export')
  @ApiQuery({
    name: 'format',
    required: true,
    schema: { type: 'string', enum: [...EXPORT_FORMATS], example: 'xlsx' },
  })
  @ApiODataQuery(contactModel, {
    select: 'displayName,emailAddresses',
    filter: "categories/any(c: c eq 'Supplier')",
    orderby: 'displayName',
    file: true,
  })
  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'text/csv', 'text/vcard')
  @ApiOkResponse({ description: 'The file; Content-Disposition names it after the tab.' })
  export(
    @CurrentUser() user: AuthenticatedUser,
    @Param('tabId', TabIdPipe) tabId: string,
    @Query('format') format: string | undefined,
    @ODataOptions() request: ODataRequest,
  ): Promise<StreamableFile> {
    return this.exports.export(user, tabId, format, request);
  }
}
