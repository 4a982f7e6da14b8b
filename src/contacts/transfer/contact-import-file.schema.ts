import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { tenantScoped } from '../../common/tenant-scope';

/**
 * A piece of a file uploaded for import, kept in the database (not on one instance's disk) so that any
 * instance can run or resume the import; deleted when the import ends. `_id` is `<fileId>:<n>`.
 */
@Schema({ collection: 'importFileChunks', versionKey: false })
export class ImportFileChunk {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  tenantId: string;

  @Prop({ required: true })
  fileId: string;

  @Prop({ required: true })
  n: number;

  @Prop({ type: Buffer, required: true })
  data: Buffer;
}

export const ImportFileChunkSchema = SchemaFactory.createForClass(ImportFileChunk);
ImportFileChunkSchema.plugin(tenantScoped);
ImportFileChunkSchema.index({ tenantId: 1, fileId: 1 });
