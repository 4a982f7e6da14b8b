import { Prop } from '@nestjs/mongoose';
import { HydratedDocument } from 'mongoose';
import type { UserReference } from '../auth';
import { TenantOwnedDocument, TenantOwnedSchema, tenantOwnedSchemaFor } from '../common/tenant-owned.schema';
import type { ContactEditors, Category, CustomFieldDefinition, FieldLayout } from '../contact-fields';

/** A contact book: one Teams tab's configuration (fields, categories, permissions); `_id` is the tab id. */
@TenantOwnedSchema('tabs')
export class Tab extends TenantOwnedDocument {
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
export const TabSchema = tenantOwnedSchemaFor(Tab);
TabSchema.index({ tenantId: 1, _id: 1 });
TabSchema.index({ tenantId: 1, 'norm.channelId': 1, _id: 1 });
TabSchema.index({ tenantId: 1, channelId: 1 });
TabSchema.index({ tenantId: 1, 'norm.displayName': 1, _id: 1 });
TabSchema.index({ tenantId: 1, createdDateTime: 1, _id: 1 });
