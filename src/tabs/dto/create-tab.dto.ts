import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsOmittable } from '../../common/validation/dto-validation';
import { CHANNEL_ID, CHANNEL_ID_MESSAGE } from '../../channels/dto/channel-id';
import { BUILT_IN_CONTACT_FIELDS, LIMITS } from '../../contact-fields';
import {
  CategoryDto,
  CustomFieldDto,
  DefaultSortDto,
  FieldLayoutDto,
  TabPermissionsDto,
} from './tab-configuration.dto';

/** The configurable part of a tab, shared by create and update. */
export class TabConfigurationDto {
  /** Column order, labels and visibility of the contact list. */
  @ApiPropertyOptional({
    type: [FieldLayoutDto],
    maxItems: BUILT_IN_CONTACT_FIELDS.length + LIMITS.customFields,
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(BUILT_IN_CONTACT_FIELDS.length + LIMITS.customFields)
  @ValidateNested({ each: true })
  @Type(() => FieldLayoutDto)
  fields?: FieldLayoutDto[];

  /** The team's own fields, at most 50. */
  @ApiPropertyOptional({ type: [CustomFieldDto], maxItems: LIMITS.customFields })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(LIMITS.customFields)
  @ValidateNested({ each: true })
  @Type(() => CustomFieldDto)
  customFields?: CustomFieldDto[];

  /** Colour-coded categories, at most 100. */
  @ApiPropertyOptional({ type: [CategoryDto], maxItems: LIMITS.categories })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(LIMITS.categories)
  @ValidateNested({ each: true })
  @Type(() => CategoryDto)
  categories?: CategoryDto[];

  @IsOmittable()
  // An array would pass ValidateNested (it validates each element) and be stored as an empty object.
  @IsObject()
  @ValidateNested()
  @Type(() => TabPermissionsDto)
  permissions?: TabPermissionsDto;

  /** null keeps the default order. */
  @ApiPropertyOptional({ type: DefaultSortDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DefaultSortDto)
  defaultSort?: DefaultSortDto;
}

export class CreateTabDto extends TabConfigurationDto {
  /** The Teams channel's unique id, e.g. `19:a1b2c3@thread.tacv2`. */
  @ApiProperty({ pattern: CHANNEL_ID.source, example: '19:a1b2c3@thread.tacv2' })
  @Matches(CHANNEL_ID, { message: CHANNEL_ID_MESSAGE })
  channelId: string;

  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.displayNameLength * 2)
  channelName: string;

  @IsOmittable()
  @IsString()
  @MaxLength(256)
  teamId?: string;

  @IsOmittable()
  @IsString()
  @MaxLength(256)
  teamName?: string;

  /** The Teams tab's entityId, when the configuration page knows it. */
  @IsOmittable()
  @IsString()
  @MaxLength(256)
  entityId?: string;

  /** The contact book's name as the tab shows it. */
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.displayNameLength)
  displayName: string;
}

export class UpdateTabDto extends TabConfigurationDto {
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.displayNameLength)
  displayName?: string;
}
