import type { Type } from '@nestjs/common';
import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { Schema as MongooseSchema } from 'mongoose';
import { tenantScoped, type TenantOwned } from './tenant-scope';

/**
 * The first fields of every tenant-owned document: its id, a string the service makes (a UUID, or a key
 * such as `<tenantId>|<channelId>`), and its tenant. Subclasses declare the rest after them.
 */
export abstract class TenantOwnedDocument implements TenantOwned {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ required: true })
  tenantId: string;
}

/** Who created or last changed a stored document, as it is shown (`createdBy`, `lastModifiedBy`). */
export interface UserReference {
  id: string;
  displayName: string;
}

/**
 * A tenant-owned document that people edit: who created and last changed it, when, and `version`, which
 * every write increments (the ETag and the If-Match check).
 */
export abstract class EditedTenantDocument extends TenantOwnedDocument {
  @Prop({ type: Object, required: true })
  createdBy: UserReference;

  @Prop({ type: Object, required: true })
  lastModifiedBy: UserReference;

  @Prop({ required: true })
  createdDateTime: Date;

  @Prop({ required: true })
  lastModifiedDateTime: Date;

  @Prop({ required: true })
  version: number;
}

/** `@Schema` of a tenant-owned collection: the service's string ids, no version key. */
export function TenantOwnedSchema(collection: string): ClassDecorator {
  return Schema({ collection, versionKey: false });
}

/** The mongoose schema of a tenant-owned class, with the {@link tenantScoped} plugin. */
export function tenantOwnedSchemaFor<T extends TenantOwnedDocument>(target: Type<T>): MongooseSchema<T> {
  const schema = SchemaFactory.createForClass(target);
  schema.plugin(tenantScoped);
  return schema;
}
