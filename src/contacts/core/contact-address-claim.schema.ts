import { Prop } from '@nestjs/mongoose';
import {
  TenantOwnedDocument,
  TenantOwnedSchema,
  tenantOwnedSchemaFor,
} from '../../common/persistence/tenant-owned.schema';

/**
 * An e-mail address of a tab held by a create that checks for duplicates, for the moment between its check
 * and its insert. `_id` is `<tenantId>|<tabId>|<normalized address>`: the unique `_id` is what makes two
 * creates of one address on any two instances exclude each other. `expiresAt` frees the claim of a create
 * that died holding it.
 */
@TenantOwnedSchema('contactAddressClaims')
export class ContactAddressClaim extends TenantOwnedDocument {
  @Prop({ required: true })
  holder: string;

  @Prop({ required: true })
  expiresAt: Date;
}

export const ContactAddressClaimSchema = tenantOwnedSchemaFor(ContactAddressClaim);
