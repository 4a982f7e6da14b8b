import { Prop } from '@nestjs/mongoose';
import {
  TenantOwnedDocument,
  TenantOwnedSchema,
  tenantOwnedSchemaFor,
} from '../../common/persistence/tenant-owned.schema';

/**
 * A piece of a file uploaded for import, kept in the database (not on one instance's disk) so that any
 * instance can run or resume the import; deleted when the import ends. `_id` is `<fileId>:<n>`.
 */
@TenantOwnedSchema('importFileChunks')
export class ImportFileChunk extends TenantOwnedDocument {
  @Prop({ required: true })
  fileId: string;

  @Prop({ required: true })
  n: number;

  @Prop({ type: Buffer, required: true })
  data: Buffer;
}

export const ImportFileChunkSchema = tenantOwnedSchemaFor(ImportFileChunk);
ImportFileChunkSchema.index({ tenantId: 1, fileId: 1 });
