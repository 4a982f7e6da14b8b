import { Prop } from '@nestjs/mongoose';
import { HydratedDocument } from 'mongoose';
import {
  TenantOwnedDocument,
  TenantOwnedSchema,
  tenantOwnedSchemaFor,
} from '../common/persistence/tenant-owned.schema';

/**
 * A Teams channel that holds at least one Contact Pro tab: its unique id and name (the product's data
 * promise: accessed and stored, never cached). `_id` is `<tenantId>|<channelId>` so that the same Teams id
 * can never collide across tenants.
 */
@TenantOwnedSchema('channels')
export class Channel extends TenantOwnedDocument {
  @Prop({ required: true })
  channelId: string;

  @Prop({ required: true })
  displayName: string;

  @Prop()
  teamId?: string;

  @Prop()
  teamName?: string;

  @Prop({ type: Object, required: true })
  norm: { displayName: string; channelId: string };

  @Prop({ required: true })
  createdDateTime: Date;

  @Prop({ required: true })
  lastModifiedDateTime: Date;
}

export type ChannelDocument = HydratedDocument<Channel>;
export const ChannelSchema = tenantOwnedSchemaFor(Channel);
ChannelSchema.index({ tenantId: 1, channelId: 1 }, { unique: true });
ChannelSchema.index({ tenantId: 1, 'norm.displayName': 1, channelId: 1 });
