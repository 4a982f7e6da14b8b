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
