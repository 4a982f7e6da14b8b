import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

export class PutChannelDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  teamId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  teamName?: string;
}
