import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';
import { FORMAT_VALUES } from '../metadata.service';

/** `$metadata` takes `$format` only; any other option is a 400. */
export class MetadataQueryDto {
  @ApiPropertyOptional({
    name: '$format',
    description:
      '`xml` (the default) or `json`; the media types `application/xml` and `application/json` too (any case, parameters such as `;odata.metadata=minimal` ignored).',
    enum: Object.keys(FORMAT_VALUES),
    example: 'json',
  })
  @IsOptional()
  @IsString()
  $format?: string;
}
