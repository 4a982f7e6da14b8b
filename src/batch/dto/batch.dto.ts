import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
import { IsOmittable } from '../../common/validation';

/** As in Microsoft Graph: at most 20 requests in one batch. */
export const MAX_BATCH_REQUESTS = 20;
export const BATCH_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type BatchMethod = (typeof BATCH_METHODS)[number];
export const MAX_BATCH_URL_LENGTH = 2048;
const REQUEST_ID = /^[A-Za-z0-9._~:-]{1,64}$/;

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
  })
  @IsString()
  @MaxLength(MAX_BATCH_URL_LENGTH)
  url: string;

  @ApiPropertyOptional({
    description:
      "Request headers (If-Match, Content-Type…). Authorization is the batch's own and cannot be changed; " +
      'Host, Content-Length, forwarding and hop-by-hop headers are refused.',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'If-Match': 'W/"1"' },
  })
  @IsOmittable()
  @IsObject()
  headers?: Record<string, string>;

  @ApiPropertyOptional({
    description: 'The JSON body of a POST, PUT or PATCH.',
    type: 'object',
    additionalProperties: true,
  })
  @IsOmittable()
  @IsObject()
  body?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Ids of requests of this batch that must succeed (2xx) before this one runs; else 424.',
    type: [String],
    example: ['1'],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_BATCH_REQUESTS)
  @IsString({ each: true })
  dependsOn?: string[];
}

export class BatchRequestDto {
  @ApiProperty({ type: [BatchRequestItemDto], minItems: 1, maxItems: MAX_BATCH_REQUESTS })
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
