import { ApiProperty } from '@nestjs/swagger';

export class UserReferenceDto {
  id: string;
  displayName: string;
}

/** The members every resource people edit ends with (a tab, a contact): who, when, and its ETag. */
export abstract class EditedResourceDto {
  createdBy: UserReferenceDto;
  lastModifiedBy: UserReferenceDto;

  @ApiProperty({ type: String, format: 'date-time' })
  createdDateTime: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  lastModifiedDateTime: Date;

  @ApiProperty({ name: '@odata.etag', example: 'W/"1"' })
  '@odata.etag': string;
}
