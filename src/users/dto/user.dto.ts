import { ODataCollectionOf } from '../../common/openapi/odata-collection.dto';
import { ApiProperty } from '@nestjs/swagger';

/** A user of the caller's tenant known to the app (shaped like Microsoft Graph's user). */
export class UserDto {
  /** Azure AD object id of the user. */
  @ApiProperty({ format: 'uuid', example: 'aaaaaaaa-0000-4000-8000-000000000001' })
  id: string;

  /** Azure AD tenant id. */
  @ApiProperty({ format: 'uuid', example: '11111111-1111-4111-8111-111111111111' })
  tenantId: string;

  @ApiProperty({ type: String, nullable: true, example: 'adele.vance@contoso.com' })
  userPrincipalName: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Adele Vance' })
  displayName: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'adele.vance@contoso.com' })
  mail: string | null;

  /** From Microsoft Graph, when the profile enrichment is configured. */
  @ApiProperty({ type: String, nullable: true, example: 'Retail Manager' })
  jobTitle: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Retail' })
  department: string | null;

  @ApiProperty({ type: String, nullable: true, example: '18/2111' })
  officeLocation: string | null;

  @ApiProperty({ type: [String], example: ['+1 425 555 0109'] })
  businessPhones: string[];

  /** First login. */
  @ApiProperty({ type: String, format: 'date-time' })
  createdDateTime: Date;

  /** Latest login (the first request made with a new token). */
  @ApiProperty({ type: String, format: 'date-time' })
  lastLoginDateTime: Date;
}

/** A page of users in OData form. */
export const UserCollectionDto = ODataCollectionOf(UserDto, 'users');
