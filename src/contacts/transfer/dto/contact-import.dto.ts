import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../../../common/validation/dto-validation';

export const IMPORT_MODES = ['create', 'upsert'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** The form fields of an import, beside the file. */
export class ContactImportOptionsDto {
  /**
   * `create` (default): a row whose e-mail address is already in the tab is skipped and reported;
   * `upsert`: it updates that contact (the columns the file has replace the contact's values).
   */
  @ApiPropertyOptional({ enum: IMPORT_MODES, default: 'create' })
  @IsOmittable()
  @IsIn(IMPORT_MODES)
  mode?: ImportMode;

  /** `true` validates every row and reports what would happen, writing nothing. */
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false' })
  @IsOmittable()
  @IsIn(['true', 'false'])
  dryRun?: 'true' | 'false';

  /**
   * A JSON object from column header to contact field, overriding the automatic mapping, e.g.
   * `{"Société": "companyName", "Tél.": "phones.business", "Secteur": "customFields.industry", "Id": null}`.
   * Fields: the text properties, `emailAddresses`, `phones.<business|mobile|home|businessFax|other>`,
   * `addresses.<business|home|other>.<street|city|state|postalCode|countryOrRegion>`, `websites`,
   * `birthday`, `notes`, `categories`, `customFields.<key>`; null ignores the column.
   */
  @ApiPropertyOptional({ type: String, maxLength: 65536, example: '{"E-mail": "emailAddresses"}' })
  @IsOmittable()
  @IsString()
  @MaxLength(65536)
  mapping?: string;
}

/** The multipart form of an import. */
export class ContactImportFormDto extends ContactImportOptionsDto {
  /** An .xlsx, .csv (UTF-8, `,` `;` or tab separated) or .vcf (vCard 3.0/4.0) file with a header row. */
  @ApiProperty({
    type: 'string',
    format: 'binary',
    example: 'Display name,E-mail\nAdele Vance,adele.vance@contoso.com\n',
  })
  file: unknown;
}
