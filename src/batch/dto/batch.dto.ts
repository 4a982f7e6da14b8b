import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsOmittable } from '../../common/validation/dto-validation';

/** As in Microsoft Graph: at most 20 requests in one batch. */
export const MAX_BATCH_REQUESTS = 20;
export const BATCH_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type BatchMethod = (typeof BATCH_METHODS)[number];
export const MAX_BATCH_URL_LENGTH = 2048;
const REQUEST_ID = /^[A-Za-z0-9._~:-]{1,64}$/;
export const MAX_BATCH_HEADERS = 50;
export const MAX_BATCH_HEADER_VALUE_LENGTH = 8 * 1024;
/** Visible ASCII, spaces and tabs: no CR, LF or other control characters in a header value. */
export const BATCH_HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** Characters of a path segment: no spaces, control characters, backslashes, fragment or percent-encoding. */
const SEGMENT_CHARACTER = '[^\\u0000-\\u0020\\u007f\\\\#%/?]';
const SEGMENT_START = '[^\\u0000-\\u0020\\u007f\\\\#%/?.]';
/** A path segment other than `.` and `..`. */
const SEGMENT = `(?:${SEGMENT_START}${SEGMENT_CHARACTER}*|\\.${SEGMENT_START}${SEGMENT_CHARACTER}*|\\.\\.${SEGMENT_CHARACTER}+)`;
/**
 * The URLs the batch takes, as the document states them: one `/`, segments that are not `.` or `..`, an
 * optional query. (Percent-encoded path characters are accepted as well when they decode to a segment.)
 */
const BATCH_URL = `^/(?:${SEGMENT}(?:/${SEGMENT}?)*)?(?:\\?[^\\u0000-\\u0020\\u007f\\\\#]*)?$`;

/** One request of a JSON batch (Microsoft Graph's format). */
export class BatchRequestItemDto {
  @ApiProperty({
    description: 'Unique within the batch; names the response and is what `dependsOn` refers to.',
    example: '1',
    pattern: REQUEST_ID.source,
  })
  @IsString()
  @Matches(REQUEST_ID, { message: 'id must be 1 to 64 letters, digits or ._~:-' })
  id: string;

  @ApiProperty({ enum: BATCH_METHODS, example: 'GET', description: 'Case-insensitive.' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @IsIn(BATCH_METHODS)
  method: BatchMethod;

  @ApiProperty({
    description:
      'Relative to /api/v1 (`/tabs/{tabId}/contacts?$top=5`); a URL starting with /api/v1/ is accepted as well.',
    example: '/tabs?$top=5',
    maxLength: MAX_BATCH_URL_LENGTH,
    pattern: BATCH_URL,
  })
  @IsString()
  @MaxLength(MAX_BATCH_URL_LENGTH)
  url: string;

  @ApiPropertyOptional({
    description:
      "Request headers (If-Match, Content-Type…). Authorization is the batch's own and cannot be changed; " +
      'Host, Content-Length, forwarding and hop-by-hop headers are refused; names are HTTP tokens, each given ' +
      'once (in any case); a Content-Type is JSON.',
    type: 'object',
    maxProperties: MAX_BATCH_HEADERS,
    additionalProperties: {
      type: 'string',
      pattern: BATCH_HEADER_VALUE.source,
      maxLength: MAX_BATCH_HEADER_VALUE_LENGTH,
    },
    example: { Accept: 'application/json' },
  })
  @IsOmittable()
  @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    description: 'The JSON body of a POST, PUT or PATCH (a GET or DELETE has none).',
    type: 'object',
    additionalProperties: true,
  })
  @IsOmittable()
  @IsObject()
  body?: Record<string, unknown>;

  @ApiPropertyOptional({
    description:
      'Ids of other requests of this batch that must succeed (2xx) before this one runs, else 424; no cycles.',
    type: 'array',
    items: { type: 'string', pattern: REQUEST_ID.source },
    maxItems: MAX_BATCH_REQUESTS,
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_BATCH_REQUESTS)
  @IsString({ each: true })
  dependsOn?: string[];
}

/** The batch's items: a GET or DELETE carries no body (OpenAPI 3.0 says so with one alternative per kind). */
const BATCH_ITEM: SchemaObject = {
  allOf: [{ $ref: getSchemaPath(BatchRequestItemDto) }],
  anyOf: [
    { properties: { method: { type: 'string', enum: ['GET', 'DELETE'] }, body: { not: {} } } },
    { properties: { method: { type: 'string', enum: ['POST', 'PUT', 'PATCH'] } } },
  ],
};

@ApiExtraModels(BatchRequestItemDto)
export class BatchRequestDto {
  /** Ids are unique within the batch. */
  @ApiProperty({
    type: 'array',
    items: BATCH_ITEM,
    minItems: 1,
    maxItems: MAX_BATCH_REQUESTS,
    example: [
      { id: '1', method: 'GET', url: '/me' },
      { id: '2', method: 'GET', url: '/tabs?$top=5', dependsOn: ['1'] },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_REQUESTS)
  @ValidateNested({ each: true })
  @Type(() => BatchRequestItemDto)
  requests: BatchRequestItemDto[];
}

/** The answer to one request of the batch. */
export class BatchResponseItemDto {
  @ApiProperty({ example: '1' })
  id: string;

  @ApiProperty({ example: 200, description: '424 when a request it depends on did not succeed.' })
  status: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'content-type': 'application/json; charset=utf-8', etag: 'W/"1"' },
  })
  headers: Record<string, string>;

  @ApiPropertyOptional({
    description:
      'The parsed JSON body (the error body on failures); other media types as base64; absent when empty.',
  })
  body?: unknown;
}

export class BatchResponseDto {
  @ApiProperty({ type: [BatchResponseItemDto], description: 'In the order of the requests.' })
  responses: BatchResponseItemDto[];
}
