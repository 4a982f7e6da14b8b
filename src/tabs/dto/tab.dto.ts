import { ApiProperty } from '@nestjs/swagger';
import { ODataCollectionOf } from '../../common/openapi/odata-collection.dto';
import { CONTACT_EDITORS, type ContactEditors } from '../../contact-fields';
import { EditedResourceDto } from '../../common/openapi/edited-resource.dto';
import { CategoryDto, CustomFieldDto, DefaultSortDto, FieldLayoutDto } from './tab-configuration.dto';

export class TabPermissionsViewDto {
  @ApiProperty({ enum: CONTACT_EDITORS })
  contactEditors: ContactEditors;
  /** The creator first. */
  owners: string[];
  members: string[];
}

/** A contact book: one Teams tab's configuration. */
export class TabDto extends EditedResourceDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  channelId: string;

  @ApiProperty({ type: String, nullable: true })
  teamId: string | null;

  displayName: string;

  @ApiProperty({ type: String, nullable: true })
  entityId: string | null;

  @ApiProperty({ type: [FieldLayoutDto] })
  fields: FieldLayoutDto[];

  @ApiProperty({ type: [CustomFieldDto] })
  customFields: CustomFieldDto[];

  @ApiProperty({ type: [CategoryDto] })
  categories: CategoryDto[];

  permissions: TabPermissionsViewDto;

  @ApiProperty({ type: DefaultSortDto, nullable: true })
  defaultSort: DefaultSortDto | null;
}

export const TabCollectionDto = ODataCollectionOf(TabDto, 'tabs');
