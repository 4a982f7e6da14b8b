import type { CustomFieldDefinition } from '../../contact-fields';
import type { ContactResource } from '../core/contact-mapping';
import type { AddressType, PhoneType } from '../core/contact.schema';
import { vcardPhotoLine } from './vcard-photo';
import {
  CUSTOM_FIELD_PROPERTY,
  EMAIL_NAME_PARAMETER,
  encodeParamValue,
  OFFICE_LOCATION_PROPERTY,
} from './vcard';

/* Cards written as vCard 4.0, with the extensions that vcard.ts describes and reads back. */

function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/,/g, '\\,')
    .replace(/;/g, '\\;');
}

/** Folds a content line at 75 octets (continuation lines begin with a space), never inside a character. */
function fold(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= 75) return line + '\r\n';
  // ASCII (a photo's base64): one octet a character, cut by position.
  // eslint-disable-next-line no-control-regex -- the whole ASCII range
  if (/^[\x00-\x7f]*$/.test(line)) {
    const pieces = [line.slice(0, 75)];
    for (let at = 75; at < line.length; at += 74) pieces.push(line.slice(at, at + 74));
    return pieces.join('\r\n ') + '\r\n';
  }
  let out = '';
  let current = '';
  let bytes = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > (out === '' ? 75 : 74)) {
      out += (out === '' ? '' : ' ') + current + '\r\n';
      current = '';
      bytes = 0;
    }
    current += char;
    bytes += size;
  }
  return out + ' ' + current + '\r\n';
}

const VCARD_PHONE_TYPES: Record<PhoneType, string> = {
  business: ';TYPE="work,voice"',
  mobile: ';TYPE="cell,voice"',
  home: ';TYPE="home,voice"',
  businessFax: ';TYPE="work,fax"',
  other: ';TYPE=voice',
};
const VCARD_ADDRESS_TYPES: Record<AddressType, string> = {
  business: ';TYPE=work',
  home: ';TYPE=home',
  other: '',
};

function customFieldText(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => escapeText(String(item))).join(',');
  return escapeText(String(value));
}

/** A contact of a tab with these custom fields as one vCard 4.0. */
export function toVCard(
  contact: ContactResource,
  customFields: readonly CustomFieldDefinition[] = [],
  photo?: { data: Buffer; contentType: string },
): string {
  const lines: string[] = ['BEGIN:VCARD', 'VERSION:4.0'];
  lines.push(`FN:${escapeText(contact.displayName ?? '')}`);
  const n = [contact.surname, contact.givenName, contact.middleName, contact.title, ''];
  lines.push(`N:${n.map((part) => escapeText(part ?? '')).join(';')}`);
  if (contact.nickName) lines.push(`NICKNAME:${escapeText(contact.nickName)}`);
  if (contact.companyName || contact.department) {
    lines.push(
      `ORG:${escapeText(contact.companyName ?? '')}${contact.department ? `;${escapeText(contact.department)}` : ''}`,
    );
  }
  if (contact.jobTitle) lines.push(`TITLE:${escapeText(contact.jobTitle)}`);
  if (contact.officeLocation) {
    lines.push(`${OFFICE_LOCATION_PROPERTY}:${escapeText(contact.officeLocation)}`);
  }
  for (const email of contact.emailAddresses) {
    const name = email.name ? `;${EMAIL_NAME_PARAMETER}=${encodeParamValue(email.name)}` : '';
    lines.push(`EMAIL${name}:${escapeText(email.address)}`);
  }
  for (const phone of contact.phones) {
    lines.push(`TEL;VALUE=text${VCARD_PHONE_TYPES[phone.type]}:${escapeText(phone.number)}`);
  }
  for (const address of contact.addresses) {
    const parts = [
      '',
      '',
      address.street,
      address.city,
      address.state,
      address.postalCode,
      address.countryOrRegion,
    ];
    lines.push(
      `ADR${VCARD_ADDRESS_TYPES[address.type as AddressType]}:${parts.map((part) => escapeText(part ?? '')).join(';')}`,
    );
  }
  for (const website of contact.websites) lines.push(`URL:${website}`);
  if (contact.birthday) lines.push(`BDAY:${contact.birthday.replaceAll('-', '')}`);
  if (contact.notes) lines.push(`NOTE:${escapeText(contact.notes)}`);
  if (contact.categories.length) lines.push(`CATEGORIES:${contact.categories.map(escapeText).join(',')}`);
  for (const field of customFields) {
    const value = contact.customFields[field.key];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) continue;
    lines.push(
      `${CUSTOM_FIELD_PROPERTY};X-KEY=${field.key};X-LABEL=${encodeParamValue(field.label)}:${customFieldText(value)}`,
    );
  }
  if (photo) lines.push(vcardPhotoLine(photo.data, photo.contentType));
  lines.push(`UID:urn:uuid:${contact.id}`);
  lines.push(`REV:${contact.lastModifiedDateTime.toISOString().replace(/[-:]|\.\d{3}/g, '')}`);
  lines.push('END:VCARD');
  return lines.map(fold).join('');
}
