import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { HydratedDocument } from 'mongoose';
import type { UserReference } from '../auth';
import { tenantScoped } from '../common/tenant-scope';
import type { ContactEditors, Category, CustomFieldDefinition, FieldLayout } from '../contact-fields';

/** A contact book: one Teams tab's configuration (fields, categories, permissions). */
@Schema({ collection: 'tabs', versionKey: false })
export class Tab {
  /** The tab id (a UUID made by the service). */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  tenantId: string;

  @Prop({ required: true })
  channelId: string;

  @Prop()
  teamId?: string;

  @Prop({ required: true })
  displayName: string;

  @Prop()
  entityId?: string;

  @Prop({ type: [Object], default: [] })
  fields: FieldLayout[];

  @Prop({ type: [Object], default: [] })
  customFields: CustomFieldDefinition[];

  @Prop({ type: [Object], default: [] })
  categories: Category[];

  @Prop({ type: Object, required: true })
  permissions: { contactEditors: ContactEditors; owners: string[]; members: string[] };

  @Prop({ type: Object })
  defaultSort?: { property: string; direction: 'asc' | 'desc' };

  @Prop({ type: Object, required: true })
  createdBy: UserReference;

  @Prop({ type: Object, required: true })
  lastModifiedBy: UserReference;

  @Prop({ required: true })
  createdDateTime: Date;

  @Prop({ required: true })
  lastModifiedDateTime: Date;

  /** Incremented by every write; the ETag. */
  @Prop({ required: true })
  version: number;

  @Prop({ type: Object, required: true })
  norm: { displayName: string; channelId: string };
}

export type TabDocument = HydratedDocument<Tab>;
export const TabSchema = SchemaFactory.createForClass(Tab);
TabSchema.plugin(tenantScoped);
TabSchema.index({ tenantId: 1, _id: 1 });
TabSchema.index({ tenantId: 1, 'norm.channelId': 1, _id: 1 });
TabSchema.index({ tenantId: 1, channelId: 1 });
TabSchema.index({ tenantId: 1, 'norm.displayName': 1, _id: 1 });
TabSchema.index({ tenantId: 1, createdDateTime: 1, _id: 1 });
