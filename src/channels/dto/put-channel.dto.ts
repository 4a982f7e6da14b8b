import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class PutChannelDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName: string;

  /** null clears it. */
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  teamId?: string;

  /** null clears it. */
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  teamName?: string;
}
