import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, DECORATORS, getSchemaPath, PartialType } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsByteLength,
  IsEmail,
  IsIn,
  IsObject,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateNested,
  ValidateBy,
} from 'class-validator';
import { IsOmittable } from '../../../common/validation/dto-validation';
import { LIMITS } from '../../../contact-fields';
import { isCalendarDate, PHONE_NUMBER } from '../contact-values';
import { ADDRESS_TYPES, PHONE_TYPES, type AddressType, type PhoneType } from '../contact.schema';
import { NOTES_MAX_BYTES } from '../notes-sanitizer';

/** One line of text: no control characters (tabs and line breaks included). */
const SINGLE_LINE = '[^\\u0000-\\u001f\\u007f]';
/** Text that may span lines (a street): no control characters but line breaks. */
const MULTI_LINE = '[^\\u0000-\\u0009\\u000b\\u000c\\u000e-\\u001f\\u007f]';
/** What `String.prototype.trim` removes (JavaScript's `\s`; Python's `re`, which the fuzzer uses, has another). */
const TRIMMED = '[\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]';
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** A `YYYY-MM-DD` that names a real day: the rule of date custom fields too (any year from 0000 to 9999). */
function IsCalendarDate(message: string): PropertyDecorator {
  return ValidateBy({
    name: 'isCalendarDate',
    validator: { validate: isCalendarDate, defaultMessage: () => message },
  });
}
/**
 * An http or https URL on a domain name, as the contact's websites are kept: a subset of what `IsUrl`
 * accepts, so that the OpenAPI pattern is exactly the rule (no port, no IP address, ASCII host).
 */
const WEBSITE =
  /^https?:\/\/(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?:[/?][A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$/;

/** Properties a new contact can be shown by: one of them is not blank (see `builtDisplayName`). */
const SHOWN_BY = ['displayName', 'givenName', 'middleName', 'surname', 'nickName', 'companyName'] as const;

/**
 * The schema of a new contact: the DTO, with one property to show it by (a name, or an e-mail address).
 * OpenAPI 3.0 says "at least one of" with an alternative per property.
 */
export const NEW_CONTACT_SCHEMA: SchemaObject = {
  allOf: [{ $ref: getSchemaPath('CreateContactDto') }],
  anyOf: [
    ...SHOWN_BY.map((name) => ({
      required: [name],
      properties: { [name]: { type: 'string', pattern: `^[\\s\\S]*[^${TRIMMED.slice(1, -1)}][\\s\\S]*$` } },
    })),
    { required: ['emailAddresses'], properties: { emailAddresses: { type: 'array', minItems: 1 } } },
  ],
};

export const CONTACT_LIMITS = {
  emailAddresses: 10,
  phones: 10,
  addresses: 5,
  websites: 5,
  name: 256,
  shortText: 128,
  email: 254,
  url: 2048,
} as const;

function trim(value: unknown): unknown {
  return typeof value === 'string' ? value.trim() : value;
}

/** Strings arrive trimmed; anything else is left for the type checks to refuse. */
const Trim = () =>
  Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map(trim) : trim(value)));

/** An optional single-line text property of at most `max` characters. */
function Text(max: number, multiline = false): PropertyDecorator {
  const character = multiline ? MULTI_LINE : SINGLE_LINE;
  return applyDecorators(
    // Documented as sent, before the trim: blanks around the text are taken away (and not counted).
    ApiPropertyOptional({ type: String, pattern: `^${TRIMMED}*${character}{0,${max}}${TRIMMED}*$` }),
    IsOmittable(),
    Trim(),
    IsString(),
    MaxLength(max),
    Matches(new RegExp(`^${character}*$`), {
      message: multiline
        ? '$property must not contain control characters'
        : '$property must be one line of text without control characters',
    }),
  );
}

export class EmailAddressDto {
  @ApiProperty({ example: 'adele.vance@contoso.com', format: 'email', maxLength: CONTACT_LIMITS.email })
  @Trim()
  @IsString()
  @MaxLength(CONTACT_LIMITS.email)
  @IsEmail({}, { message: 'address must be an e-mail address' })
  address: string;

  @Text(CONTACT_LIMITS.name)
  name?: string;
}

export class PhoneDto {
  /** Kept as entered; its digits are what search compares. */
  @ApiProperty({ example: '+1 (425) 555-0109', maxLength: 64, pattern: PHONE_NUMBER.source })
  @Trim()
  @IsString()
  @MaxLength(64)
  @Matches(PHONE_NUMBER, {
    message: 'number must be a phone number: digits, spaces, + ( ) . - /, an optional extension',
  })
  number: string;

  @ApiProperty({ enum: PHONE_TYPES })
  @IsIn(PHONE_TYPES)
  type: PhoneType;
}

export class PostalAddressDto {
  @ApiProperty({ enum: ADDRESS_TYPES })
  @IsIn(ADDRESS_TYPES)
  type: AddressType;

  @Text(512, true)
  street?: string;

  @Text(CONTACT_LIMITS.shortText)
  city?: string;

  @Text(CONTACT_LIMITS.shortText)
  state?: string;

  @Text(32)
  postalCode?: string;

  @Text(CONTACT_LIMITS.shortText)
  countryOrRegion?: string;
}

/**
 * A new contact (Microsoft Graph's contact resource). Every property is optional, but the contact needs
 * something to be shown by: `displayName` is built from the names (or nickname, company, first e-mail)
 * when not given. Unknown properties are refused; strings are trimmed.
 */
export class CreateContactDto {
  @Text(CONTACT_LIMITS.name)
  displayName?: string;

  @Text(CONTACT_LIMITS.name)
  givenName?: string;

  @Text(CONTACT_LIMITS.name)
  middleName?: string;

  @Text(CONTACT_LIMITS.name)
  surname?: string;

  @Text(CONTACT_LIMITS.name)
  nickName?: string;

  /** A courtesy title, e.g. `Dr.` */
  @Text(CONTACT_LIMITS.shortText)
  title?: string;

  @Text(CONTACT_LIMITS.name)
  companyName?: string;

  @Text(CONTACT_LIMITS.shortText)
  department?: string;

  @Text(CONTACT_LIMITS.shortText)
  jobTitle?: string;

  @Text(CONTACT_LIMITS.shortText)
  officeLocation?: string;

  /** At most 10. Creating a contact whose address already exists in the tab is a 409 (see allowDuplicate). */
  @ApiPropertyOptional({ type: [EmailAddressDto], maxItems: CONTACT_LIMITS.emailAddresses })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(CONTACT_LIMITS.emailAddresses)
  @ValidateNested({ each: true })
  @Type(() => EmailAddressDto)
  emailAddresses?: EmailAddressDto[];

  @ApiPropertyOptional({ type: [PhoneDto], maxItems: CONTACT_LIMITS.phones })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(CONTACT_LIMITS.phones)
  @ValidateNested({ each: true })
  @Type(() => PhoneDto)
  phones?: PhoneDto[];

  @ApiPropertyOptional({ type: [PostalAddressDto], maxItems: CONTACT_LIMITS.addresses })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(CONTACT_LIMITS.addresses)
  @ValidateNested({ each: true })
  @Type(() => PostalAddressDto)
  addresses?: PostalAddressDto[];

  /** http or https URLs on a domain name, at most 5. */
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', pattern: WEBSITE.source, maxLength: CONTACT_LIMITS.url },
    maxItems: CONTACT_LIMITS.websites,
    example: ['https://contoso.com'],
  })
  @IsOmittable()
  @Trim()
  @IsArray()
  @ArrayMaxSize(CONTACT_LIMITS.websites)
  @IsString({ each: true })
  @MaxLength(CONTACT_LIMITS.url, { each: true })
  @Matches(WEBSITE, { each: true, message: 'each website must be an http or https URL on a domain name' })
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_valid_protocol: true },
    { each: true, message: 'each website must be an http or https URL' },
  )
  websites?: string[];

  @ApiPropertyOptional({ type: String, format: 'date', example: '1984-05-17' })
  @IsOmittable()
  @Matches(DATE, { message: 'birthday must be a date YYYY-MM-DD' })
  @IsCalendarDate('birthday must be a real date')
  birthday?: string;

  /**
   * Rich text from the tab's editor, at most 64 KiB: paragraphs, line breaks, bold, italic, underline,
   * lists and http/https/mailto links are kept; other markup is dropped; scripts, event handlers and
   * other link schemes are refused.
   */
  @ApiPropertyOptional({ type: String, maxLength: NOTES_MAX_BYTES })
  @IsOmittable()
  @IsString()
  @IsByteLength(0, NOTES_MAX_BYTES, { message: `notes may be at most ${NOTES_MAX_BYTES} bytes` })
  notes?: string;

  /** Names of the tab's categories (any case). */
  @ApiPropertyOptional({ type: [String], maxItems: LIMITS.categories })
  @IsOmittable()
  @Trim()
  @IsArray()
  @ArrayMaxSize(LIMITS.categories)
  @IsString({ each: true })
  @MaxLength(LIMITS.categoryNameLength, { each: true })
  categories?: string[];

  /** Values of the tab's custom fields by key (e.g. `{"industry": "Retail"}`), typed by their definitions; null clears one. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOmittable()
  @IsObject()
  customFields?: Record<string, unknown>;
}

/** A partial change: properties left out keep their value; null (or an empty string) clears one. */
export class UpdateContactDto extends PartialType(CreateContactDto) {}

// PartialType lets null through (its IsOptional), and null clears: every property of a change is nullable.
for (const key of Reflect.getMetadata(
  DECORATORS.API_MODEL_PROPERTIES_ARRAY,
  UpdateContactDto.prototype,
) as string[]) {
  const property = key.slice(1);
  const metadata = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, UpdateContactDto.prototype, property);
  Reflect.defineMetadata(
    DECORATORS.API_MODEL_PROPERTIES,
    { ...metadata, nullable: true },
    UpdateContactDto.prototype,
    property,
  );
}

export class CreateContactQueryDto {
  /** `true` creates the contact even when one of its e-mail addresses is already in the tab. */
  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOmittable()
  @IsIn(['true', 'false'])
  allowDuplicate?: 'true' | 'false';
}
