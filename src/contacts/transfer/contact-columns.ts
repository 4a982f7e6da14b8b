import { CONTACT_TEXT_FIELDS, type ContactTextField, type CustomFieldDefinition } from '../../contact-fields';
import { ADDRESS_TYPES, PHONE_TYPES, type AddressType, type PhoneType } from '../core/contact.schema';

/*
 * The vocabulary of contact spreadsheets (xlsx and CSV): header names and column targets, which the export
 * writes (export-columns.ts) and the import reads back (import-columns.ts). An import's headers map to
 * contact properties — the tab's own export columns first (so that an export always imports back
 * whole), then this product's default and earlier headers, Outlook's and Google Contacts' CSV headers,
 * custom field keys, or an explicit mapping.
 */

export const ADDRESS_PARTS = ['street', 'city', 'state', 'postalCode', 'countryOrRegion'] as const;
export type AddressPart = (typeof ADDRESS_PARTS)[number];

/*
 * Header names: one table each, which the export writes and the import reads back.
 */
export const TEXT_HEADERS: Record<ContactTextField, string> = {
  displayName: 'Display name',
  givenName: 'First name',
  middleName: 'Middle name',
  surname: 'Last name',
  nickName: 'Nickname',
  title: 'Title',
  companyName: 'Company',
  department: 'Department',
  jobTitle: 'Job title',
  officeLocation: 'Office location',
};
export const OTHER_HEADERS = {
  emailAddresses: 'E-mail addresses',
  websites: 'Websites',
  birthday: 'Birthday',
  notes: 'Notes',
  categories: 'Categories',
} as const;
/** The names of phone types in the cells of an export's phone columns. */
export const PHONE_TYPE_LABELS: Record<PhoneType, string> = {
  business: 'Business',
  mobile: 'Mobile',
  home: 'Home',
  businessFax: 'Business fax',
  other: 'Other',
};
export const ADDRESS_TYPE_LABELS: Record<AddressType, string> = {
  business: 'Business',
  home: 'Home',
  other: 'Other',
};
export const ADDRESS_PART_HEADERS: Record<AddressPart, string> = {
  street: 'street',
  city: 'city',
  state: 'state',
  postalCode: 'postal code',
  countryOrRegion: 'country/region',
};
/** An export's numbered phone and address columns: `Phone 2 number`, `Address 1 postal code`. */
export const phoneHeader = (slot: number, part: 'type' | 'number') => `Phone ${slot} ${part}`;
export const addressHeader = (slot: number, part: AddressPart | 'type') =>
  `Address ${slot} ${part === 'type' ? 'type' : ADDRESS_PART_HEADERS[part]}`;
/** Earlier exports' columns, one per phone type and one per address type and part: still read. */
export const PHONE_TYPE_HEADERS: Record<PhoneType, string> = {
  business: 'Business phone',
  mobile: 'Mobile phone',
  home: 'Home phone',
  businessFax: 'Business fax',
  other: 'Other phone',
};

/**
 * Where a column goes. Public targets (usable in an explicit mapping): a text property, `emailAddresses`,
 * `phones.<type>`, `addresses.<type>.<part>`, `websites`, `birthday`, `notes`, `categories`,
 * `customFields.<key>`. Numbered slots (`phone#1.type`, `address#2.city`, `email#2`, …) come from the
 * export's numbered columns and from Outlook's and Google's.
 */
export type ColumnTarget = string;

/** Headers compared without case, accents, spaces or punctuation. */
export function headerKey(header: string): string {
  return header
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** Outlook's CSV export headers (the ones this product has a property for). */
export const OUTLOOK_HEADERS: Record<string, ColumnTarget> = {
  Title: 'title',
  'First Name': 'givenName',
  'Middle Name': 'middleName',
  'Last Name': 'surname',
  Nickname: 'nickName',
  Company: 'companyName',
  Department: 'department',
  'Job Title': 'jobTitle',
  'Office Location': 'officeLocation',
  'Business Phone': 'phones.business',
  'Business Phone 2': 'phones.business',
  'Company Main Phone': 'phones.business',
  'Mobile Phone': 'phones.mobile',
  'Home Phone': 'phones.home',
  'Home Phone 2': 'phones.home',
  'Business Fax': 'phones.businessFax',
  'Other Phone': 'phones.other',
  'Primary Phone': 'phones.other',
  'E-mail Address': 'email#1',
  'E-mail Display Name': 'email#1.name',
  'E-mail 2 Address': 'email#2',
  'E-mail 2 Display Name': 'email#2.name',
  'E-mail 3 Address': 'email#3',
  'E-mail 3 Display Name': 'email#3.name',
  'Web Page': 'websites',
  Birthday: 'birthday',
  Notes: 'notes',
  Categories: 'categories',
  ...Object.fromEntries(
    ADDRESS_TYPES.flatMap((type) => {
      const prefix = ADDRESS_TYPE_LABELS[type];
      return [
        [`${prefix} Street`, `addresses.${type}.street`],
        [`${prefix} City`, `addresses.${type}.city`],
        [`${prefix} State`, `addresses.${type}.state`],
        [`${prefix} Postal Code`, `addresses.${type}.postalCode`],
        [`${prefix} Country/Region`, `addresses.${type}.countryOrRegion`],
      ];
    }),
  ),
};

/** Google Contacts' CSV headers without a number (both its current and its older export). */
export const GOOGLE_HEADERS: Record<string, ColumnTarget> = {
  Name: 'displayName',
  'Given Name': 'givenName',
  'Additional Name': 'middleName',
  'Family Name': 'surname',
  'Name Prefix': 'title',
  'Organization Name': 'companyName',
  'Organization Title': 'jobTitle',
  'Organization Department': 'department',
  'Organization 1 - Name': 'companyName',
  'Organization 1 - Title': 'jobTitle',
  'Organization 1 - Department': 'department',
};

/** Google's numbered columns: `E-mail 1 - Value`, `Phone 2 - Label`, `Address 1 - City`, `Website 1 - Value`. */
const GOOGLE_NUMBERED = /^(e-?mail|phone|address|website) (\d{1,2}) - (.+)$/i;
const GOOGLE_ADDRESS_PARTS: Record<string, AddressPart | 'type'> = {
  street: 'street',
  city: 'city',
  region: 'state',
  postalcode: 'postalCode',
  country: 'countryOrRegion',
  type: 'type',
  label: 'type',
};

export function googleTarget(header: string): ColumnTarget | undefined {
  const match = GOOGLE_NUMBERED.exec(header.trim());
  if (!match) return undefined;
  const [, kind, slot, rawPart] = match;
  const part = headerKey(rawPart);
  switch (headerKey(kind)) {
    case 'email':
      return part === 'value' ? `email#${slot}` : undefined;
    case 'phone':
      return part === 'value'
        ? `phone#${slot}.number`
        : part === 'type' || part === 'label'
          ? `phone#${slot}.type`
          : undefined;
    case 'address': {
      const addressPart = GOOGLE_ADDRESS_PARTS[part];
      return addressPart ? `address#${slot}.${addressPart}` : undefined;
    }
    default:
      return part === 'value' ? 'websites' : undefined;
  }
}

/** The targets an explicit mapping may name, for a tab. */
export function publicTargets(customFields: readonly CustomFieldDefinition[]): Set<ColumnTarget> {
  return new Set<ColumnTarget>([
    ...CONTACT_TEXT_FIELDS,
    ...Object.keys(OTHER_HEADERS),
    ...PHONE_TYPES.map((type) => `phones.${type}`),
    ...ADDRESS_TYPES.flatMap((type) => ADDRESS_PARTS.map((part) => `addresses.${type}.${part}`)),
    ...customFields.map((field) => `customFields.${field.key}`),
  ]);
}

const SLOT_PROPERTIES = { email: 'emailAddresses', phone: 'phones', address: 'addresses' } as const;
export const SLOT = /^(email|phone|address)#(\d+)$/;

/** The contact property a column target fills: `phone#2.type` fills `phones`, `customFields.rating` itself. */
export function targetProperty(target: ColumnTarget): string {
  const slot = SLOT.exec(target.split('.')[0]);
  return slot ? SLOT_PROPERTIES[slot[1] as keyof typeof SLOT_PROPERTIES] : target;
}
