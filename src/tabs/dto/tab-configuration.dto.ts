import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsOmittable } from '../../common/validation/dto-validation';
import {
  CONTACT_EDITORS,
  ContactEditors,
  CUSTOM_FIELD_TYPES,
  CustomFieldType,
  LIMITS,
  SORTABLE_CONTACT_FIELDS,
} from '../../contact-fields';
import { GUID } from '../../common/validation/guid';

export const COLOR = /^#[0-9a-fA-F]{6}$/;
export const CUSTOM_FIELD_KEY = /^[a-z][a-zA-Z0-9]{0,39}$/;

/** How one column of the contact list shows: a built-in field or a custom field's key. */
export class FieldLayoutDto {
  /** A built-in contact field (`displayName`, `emailAddresses`, ...), or the key of a custom field of the tab. */
  @IsString()
  @MaxLength(40)
  key: string;

  /** Shown instead of the default label. */
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.labelLength)
  label?: string;

  /** Whether the contact list shows this field as a column. */
  @IsBoolean()
  visible: boolean;
}

export class ChoiceDto {
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.labelLength)
  value: string;

  /** `#rrggbb` */
  @ApiPropertyOptional({ pattern: COLOR.source })
  @IsOmittable()
  @Matches(COLOR, { message: 'color must be #rrggbb' })
  color?: string;
}

export class CustomFieldDto {
  /** Letters and digits, starting with a lower-case letter, at most 40; not a built-in field name. */
  @ApiProperty({ pattern: CUSTOM_FIELD_KEY.source })
  @Matches(CUSTOM_FIELD_KEY, { message: 'key must match ^[a-z][a-zA-Z0-9]{0,39}$' })
  key: string;

  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.labelLength)
  label: string;

  @ApiProperty({ enum: CUSTOM_FIELD_TYPES })
  @IsIn(CUSTOM_FIELD_TYPES)
  type: CustomFieldType;

  @IsOmittable()
  @IsBoolean()
  required?: boolean;

  /** For `choice` and `multiChoice` only: at least one, at most 200. */
  @ApiPropertyOptional({ type: [ChoiceDto], maxItems: LIMITS.choices })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(LIMITS.choices)
  @ValidateNested({ each: true })
  @Type(() => ChoiceDto)
  choices?: ChoiceDto[];

  /** For text types: the longest value accepted. */
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: LIMITS.maxTextLength })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(LIMITS.maxTextLength)
  maxLength?: number;
}

export class CategoryDto {
  @IsString()
  @MinLength(1)
  @MaxLength(LIMITS.categoryNameLength)
  name: string;

  /** `#rrggbb` */
  @ApiProperty({ pattern: COLOR.source })
  @Matches(COLOR, { message: 'color must be #rrggbb' })
  color: string;
}

export class TabPermissionsDto {
  /** Who may create, edit and delete contacts: everyone in the tenant, the owners, or owners and members. */
  @ApiPropertyOptional({ enum: CONTACT_EDITORS, default: 'everyone' })
  @IsOmittable()
  @IsIn(CONTACT_EDITORS)
  contactEditors?: ContactEditors;

  /** User ids (Azure AD object ids) who change the tab; the creator is always the first, a change keeps one. */
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: GUID.source },
    maxItems: LIMITS.owners,
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(LIMITS.owners)
  @Matches(GUID, { each: true, message: 'each owner must be a user id (GUID)' })
  owners?: string[];

  /** User ids who edit contacts when contactEditors is `members`. */
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: GUID.source },
    maxItems: LIMITS.members,
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(LIMITS.members)
  @Matches(GUID, { each: true, message: 'each member must be a user id (GUID)' })
  members?: string[];
}

export class DefaultSortDto {
  @ApiProperty({
    description: `A sortable contact property (${SORTABLE_CONTACT_FIELDS.join(', ')}), or \`customFields/<key>\` of a text, number or date custom field of the tab`,
  })
  @IsString()
  @MaxLength(60)
  property: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOmittable()
  @IsIn(['asc', 'desc'])
  direction?: 'asc' | 'desc';
}

export { SORTABLE_CONTACT_FIELDS };
