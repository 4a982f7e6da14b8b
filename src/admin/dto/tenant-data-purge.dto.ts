import { ApiProperty } from '@nestjs/swagger';

/** What a tenant purge removed. */
export class TenantDataPurgeDto {
  /** The purged tenant (the caller's). */
  @ApiProperty({ format: 'uuid', example: '11111111-1111-4111-8111-111111111111' })
  tenantId: string;

  /** Documents removed, by collection (every tenant-owned collection is listed, 0 included). */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0 },
    example: { channels: 2, tabs: 3, users: 14 },
  })
  deletedDocuments: Record<string, number>;

  /** The sum of `deletedDocuments`. */
  @ApiProperty({ type: 'integer', minimum: 0, example: 19 })
  totalDeleted: number;

  /** Blobs removed from storage outside the database, by kind (photos are blobs of several sizes each). */
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0 },
    example: { contactPhotos: 20 },
  })
  deletedBlobs: Record<string, number>;
}
