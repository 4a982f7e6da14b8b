import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { ODataCollectionOf } from '../../../common/openapi/odata-collection.dto';
import { selectionOf } from '../../../common/openapi/openapi-conformance';
import { EditedResourceDto } from '../../../common/openapi/edited-resource.dto';
import { ADDRESS_TYPES, PHONE_TYPES, type AddressType, type PhoneType } from '../contact.schema';

export class EmailAddressViewDto {
  address: string;

  @ApiProperty({ type: String, nullable: true })
  name: string | null;
}

export class PhoneViewDto {
  number: string;

  @ApiProperty({ enum: PHONE_TYPES })
  type: PhoneType;
}

export class PostalAddressViewDto {
  @ApiProperty({ enum: ADDRESS_TYPES })
  type: AddressType;

  @ApiProperty({ type: String, nullable: true })
  street: string | null;

  @ApiProperty({ type: String, nullable: true })
  city: string | null;

  @ApiProperty({ type: String, nullable: true })
  state: string | null;

  @ApiProperty({ type: String, nullable: true })
  postalCode: string | null;

  @ApiProperty({ type: String, nullable: true })
  countryOrRegion: string | null;
}

/** A contact's photo (Microsoft Graph's profilePhoto): the full picture; square sizes are at `…/photos/{size}`. */
export class PhotoDto {
  @ApiProperty({ example: 'default' })
  id: string;

  @ApiProperty({ type: 'integer', example: 480 })
  width: number;

  @ApiProperty({ type: 'integer', example: 640 })
  height: number;

  @ApiProperty({ name: '@odata.mediaContentType', enum: ['image/jpeg', 'image/png', 'image/webp'] })
  '@odata.mediaContentType': string;

  @ApiProperty({ name: '@odata.mediaEtag', example: '"3f0c1a7e-2b7d-4c1e-9a57-6f1f4f0e8a10"' })
  '@odata.mediaEtag': string;
}

/** An external contact of a tab (shaped like Microsoft Graph's contact). */
export class ContactDto extends EditedResourceDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  /** The tab (contact book) the contact belongs to. */
  @ApiProperty({ format: 'uuid' })
  tabId: string;

  @ApiProperty({ type: String, nullable: true, example: 'Adele Vance' })
  displayName: string | null;

  @ApiProperty({ type: String, nullable: true })
  givenName: string | null;

  @ApiProperty({ type: String, nullable: true })
  middleName: string | null;

  @ApiProperty({ type: String, nullable: true })
  surname: string | null;

  @ApiProperty({ type: String, nullable: true })
  nickName: string | null;

  @ApiProperty({ type: String, nullable: true })
  title: string | null;

  @ApiProperty({ type: String, nullable: true })
  companyName: string | null;

  @ApiProperty({ type: String, nullable: true })
  department: string | null;

  @ApiProperty({ type: String, nullable: true })
  jobTitle: string | null;

  @ApiProperty({ type: String, nullable: true })
  officeLocation: string | null;

  @ApiProperty({ type: [EmailAddressViewDto] })
  emailAddresses: EmailAddressViewDto[];

  @ApiProperty({ type: [PhoneViewDto] })
  phones: PhoneViewDto[];

  @ApiProperty({ type: [PostalAddressViewDto] })
  addresses: PostalAddressViewDto[];

  @ApiProperty({ type: [String] })
  websites: string[];

  @ApiProperty({ type: String, format: 'date', nullable: true })
  birthday: string | null;

  /** Sanitized HTML. */
  @ApiProperty({ type: String, nullable: true })
  notes: string | null;

  @ApiProperty({ type: [String] })
  categories: string[];

  @ApiProperty({ type: 'object', additionalProperties: true, example: { industry: 'Retail', rating: 4 } })
  customFields: Record<string, unknown>;

  /** Whether the caller marked this contact as a favourite. */
  isFavorite: boolean;

  /** The contact's photo, or null; its bytes are at `…/contacts/{id}/photo/$value`. */
  @ApiProperty({ type: PhotoDto, nullable: true })
  photo: PhotoDto | null;
}

export const ContactCollectionDto = ODataCollectionOf(ContactDto, 'contacts');

export class RemovalDto {
  @ApiProperty({ enum: ['deleted'] })
  reason: 'deleted';
}

/** A contact deleted since the client's last delta round. */
export class RemovedContactDto {
  id: string;

  @ApiProperty({ name: '@removed', type: RemovalDto })
  '@removed': RemovalDto;
}

/** A page of a delta round: changed contacts in full (or as `$select` asked), deleted ones as removed. */
@ApiExtraModels(ContactDto, RemovedContactDto)
export class ContactDeltaDto {
  @ApiProperty({
    name: '@odata.context',
    example: 'https://contactpro.example/api/v1/$metadata#contacts/$delta',
  })
  '@odata.context': string;

  @ApiProperty({
    type: 'array',
    items: { anyOf: [{ $ref: selectionOf(ContactDto) }, { $ref: getSchemaPath(RemovedContactDto) }] },
  })
  value: Array<ContactDto | RemovedContactDto>;

  @ApiProperty({
    name: '@odata.nextLink',
    required: false,
    description: 'The next page of this round (with $skiptoken).',
  })
  '@odata.nextLink'?: string;

  @ApiProperty({
    name: '@odata.deltaLink',
    required: false,
    description: 'On the last page of a round: call it later to get what changed since (with $deltatoken).',
  })
  '@odata.deltaLink'?: string;
}
