import { Prop } from '@nestjs/mongoose';
import {
  EditedTenantDocument,
  TenantOwnedSchema,
  tenantOwnedSchemaFor,
} from '../../common/persistence/tenant-owned.schema';
import { contactModel, tenantContactModel } from './contact.entity-model';

export const PHONE_TYPES = ['business', 'mobile', 'home', 'businessFax', 'other'] as const;
export type PhoneType = (typeof PHONE_TYPES)[number];
export const ADDRESS_TYPES = ['business', 'home', 'other'] as const;
export type AddressType = (typeof ADDRESS_TYPES)[number];

export interface EmailAddress {
  address: string;
  name?: string;
}

export interface Phone {
  /** As entered. */
  number: string;
  type: PhoneType;
}

/** A phone as stored: with its digits, the form search compares. */
export interface StoredPhone extends Phone {
  digits: string;
}

export interface PostalAddress {
  type: AddressType;
  street?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  countryOrRegion?: string;
}

/**
 * A contact's photo as the contact points to it: the blobs are named after `version` (a fresh UUID per
 * upload), so a new photo never overwrites the bytes an older contact version points to.
 */
export interface ContactPhoto {
  version: string;
  contentType: string;
  width: number;
  height: number;
  /** The square sizes made at upload (side in pixels). */
  sizes: number[];
}

/** text types, choice and url/email/phone: a string; multiChoice: strings; number; date (`YYYY-MM-DD`); boolean. */
export type CustomFieldValue = string | number | boolean | string[];

/**
 * A contact of one tab (Microsoft Graph's contact resource as the model). `_id` is a UUID; `norm` holds the
 * normalized keys of text properties (see contactModel), `searchKeys` the words `$search` matches, and
 * `favoritedBy` the ids of users who marked the contact as favourite (never exposed; at most
 * FAVORITES_PER_CONTACT). `version` is incremented by every change of the contact itself (the ETag);
 * favourite marks are per user and leave it alone, though they take a new `changeSeq`.
 */
@TenantOwnedSchema('contacts')
export class Contact extends EditedTenantDocument {
  @Prop({ required: true })
  tabId: string;

  @Prop({ required: true })
  displayName: string;

  @Prop()
  givenName?: string;

  @Prop()
  middleName?: string;

  @Prop()
  surname?: string;

  @Prop()
  nickName?: string;

  @Prop()
  title?: string;

  @Prop()
  companyName?: string;

  @Prop()
  department?: string;

  @Prop()
  jobTitle?: string;

  @Prop()
  officeLocation?: string;

  @Prop({ type: [Object], default: [] })
  emailAddresses: EmailAddress[];

  @Prop({ type: [Object], default: [] })
  phones: StoredPhone[];

  @Prop({ type: [Object], default: [] })
  addresses: PostalAddress[];

  @Prop({ type: [String], default: [] })
  websites: string[];

  /** `YYYY-MM-DD` (Edm.Date). */
  @Prop()
  birthday?: string;

  /** Sanitized HTML. */
  @Prop()
  notes?: string;

  @Prop({ type: [String], default: [] })
  categories: string[];

  @Prop({ type: Object, default: {} })
  customFields: Record<string, CustomFieldValue>;

  @Prop({ type: Object, required: true })
  norm: Record<string, unknown>;

  @Prop({ type: [String], default: [] })
  searchKeys: string[];

  @Prop({ type: [String], default: [] })
  favoritedBy: string[];

  /** Absent when the contact has no photo; the bytes are in blob storage. */
  @Prop({ type: Object })
  photo?: ContactPhoto;

  /** Its tab's change number of the last write (see ContactChangeLog): delta sync reads by it. */
  @Prop({ required: true })
  changeSeq: number;
}

export const ContactSchema = tenantOwnedSchemaFor(Contact);
// The list indexes are the entity models', so that the index-coverage spec checks what is created.
const declared = new Set<string>();
for (const index of [...contactModel.indexes, ...tenantContactModel.indexes]) {
  const fields = Object.fromEntries(index);
  const key = JSON.stringify(fields);
  if (!declared.has(key)) ContactSchema.index(fields);
  declared.add(key);
}
/** Delta sync reads a tab's contacts in change order; not an OData list shape, so declared here. */
export const CHANGE_ORDER_INDEX = { tenantId: 1, tabId: 1, changeSeq: 1 } as const;
ContactSchema.index(CHANGE_ORDER_INDEX);
