import { Prop } from '@nestjs/mongoose';
import {
  TenantOwnedDocument,
  TenantOwnedSchema,
  tenantOwnedSchemaFor,
} from '../common/persistence/tenant-owned.schema';
import { userModel } from './user.entity-model';

/** Normalized keys (src/odata normalizeText) of the text properties, by property path (see userModel). */
export type UserNormalizedFields = Record<string, string | string[] | null>;

/**
 * A user of the app in one tenant: the profile upserted from the token (and Microsoft Graph) at each
 * login. `_id` is `<tenantId>|<userId>`, so that the same object id never collides across tenants; the
 * API's `id` is the Azure AD object id (`userId`).
 */
@TenantOwnedSchema('users')
export class User extends TenantOwnedDocument {
  @Prop({ required: true })
  userId: string;

  @Prop({ type: String })
  userPrincipalName?: string | null;

  @Prop({ type: String })
  displayName?: string | null;

  @Prop({ type: String })
  mail?: string | null;

  @Prop({ type: String })
  jobTitle?: string | null;

  @Prop({ type: String })
  department?: string | null;

  @Prop({ type: String })
  officeLocation?: string | null;

  @Prop({ type: [String], default: undefined })
  businessPhones?: string[];

  @Prop({ type: Object, required: true })
  norm: UserNormalizedFields;

  @Prop({ required: true })
  createdDateTime: Date;

  @Prop({ required: true })
  lastLoginDateTime: Date;
}

export const UserSchema = tenantOwnedSchemaFor(User);
UserSchema.index({ tenantId: 1, userId: 1 }, { unique: true });
// The list indexes are the entity model's, so that the index-coverage spec checks what is created.
for (const index of userModel.indexes.slice(1)) UserSchema.index(Object.fromEntries(index));
