import { Prop } from '@nestjs/mongoose';
import { HydratedDocument } from 'mongoose';
import {
  EditedTenantDocument,
  TenantOwnedSchema,
  tenantOwnedSchemaFor,
} from '../common/persistence/tenant-owned.schema';
import type { ContactEditors, Category, CustomFieldDefinition, FieldLayout } from '../contact-fields';

/** A contact book: one Teams tab's configuration (fields, categories, permissions); `_id` is the tab id. */
@TenantOwnedSchema('tabs')
export class Tab extends EditedTenantDocument {
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
  norm: { displayName: string; channelId: string };
}

export type TabDocument = HydratedDocument<Tab>;
export const TabSchema = tenantOwnedSchemaFor(Tab);
TabSchema.index({ tenantId: 1, _id: 1 });
TabSchema.index({ tenantId: 1, 'norm.channelId': 1, _id: 1 });
TabSchema.index({ tenantId: 1, channelId: 1 });
TabSchema.index({ tenantId: 1, 'norm.displayName': 1, _id: 1 });
TabSchema.index({ tenantId: 1, createdDateTime: 1, _id: 1 });
