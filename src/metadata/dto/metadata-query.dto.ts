import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';

/** `$metadata` takes `$format` only; any other option is a 400. */
export class MetadataQueryDto {
  @ApiPropertyOptional({
    name: '$format',
    description:
      '`xml` (the default) or `json`; the media types `application/xml` and `application/json` too.',
    example: 'json',
  })
  @IsOptional()
  @IsString()
  $format?: string;
}
