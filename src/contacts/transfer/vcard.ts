import type { CustomFieldDefinition } from '../../contact-fields';
import { headerKey } from './contact-columns';
import { customFieldInput } from './cell-values';
import { UnreadableFileError } from './csv';
import type { ContactResource } from '../core/contact-mapping';
import type { AddressType, PhoneType } from '../core/contact.schema';

/*
 * vCard 3.0 (RFC 2426) and 4.0 (RFC 6350): many cards in one file are read; cards are written as 4.0.
 * What a card carries: names, nickname, organization and department, job title, e-mail addresses, phones
 * with their type, postal addresses with their type, URLs, birthday, note and categories. What vCard has
 * no property or parameter for travels as extensions, which other applications keep or ignore:
 *   X-CONTACTPRO-FIELD;X-KEY=region;X-LABEL="Sales region":EMEA   a custom field, one property each
 *   X-CONTACTPRO-OFFICE-LOCATION:Building 4                       the office location
 *   EMAIL;X-DISPLAY-NAME="Adèle Vance":adele@contoso.com           an e-mail address's display name
 * so that an export imports back whole into a tab with the same fields (custom fields matched by key,
 * then by label). Line breaks are written as vCard's `\n`: a carriage return is read back as a line feed.
 */

const CUSTOM_FIELD_PROPERTY = 'X-CONTACTPRO-FIELD';
const OFFICE_LOCATION_PROPERTY = 'X-CONTACTPRO-OFFICE-LOCATION';
const EMAIL_NAME_PARAMETER = 'X-DISPLAY-NAME';

/**
 * One property line: `group.NAME;PARAM=a,b;PARAM2="c;d":value`. Names (of the property and of its
 * parameters) upper-cased; parameter values unquoted and decoded (RFC 6868), their case kept; the value
 * still escaped.
 */
interface VCardProperty {
  name: string;
  params: Map<string, string[]>;
  value: string;
}

/** A card as read: its position in the file (1-based) and the contact input it gives. */
export interface VCardEntry {
  row: number;
  input: Record<string, unknown>;
}

const PHONE_TYPE_OF: Array<[string, PhoneType]> = [
  ['fax', 'businessFax'],
  ['cell', 'mobile'],
  ['work', 'business'],
  ['home', 'home'],
];
const ADDRESS_TYPE_OF: Record<string, AddressType> = { work: 'business', home: 'home' };

/** Unescapes a text value (`\n`, `\,`, `\;`, `\\`). */
function unescapeText(value: string): string {
  return value.replace(/\\([nN,;:\\])/g, (_match, char: string) =>
    char === 'n' || char === 'N' ? '\n' : char,
  );
}

/** Splits a structured value on unescaped `;` (or `,`), unescaping each component. */
function components(value: string, separator = ';'): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\' && i + 1 < value.length) {
      current += char + value[i + 1];
      i++;
    } else if (char === separator) {
      parts.push(unescapeText(current));
      current = '';
    } else current += char;
  }
  parts.push(unescapeText(current));
  return parts;
}

/** RFC 6868: `^n` a line break, `^'` a double quote, `^^` a caret. */
function decodeParamValue(value: string): string {
  return value.replace(/\^([n'^])/g, (_match, char: string) =>
    char === 'n' ? '\n' : char === "'" ? '"' : '^',
  );
}

function encodeParamValue(value: string): string {
  return `"${value
    .replace(/\^/g, '^^')
    .replace(/\r\n|\r|\n/g, '^n')
    .replace(/"/g, "^'")}"`;
}

/** Splits on `separator` outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let inQuotes = false;
  for (const char of text) {
    if (char === '"') inQuotes = !inQuotes;
    if (char === separator && !inQuotes) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

function parseProperty(line: string, lineNumber: number): VCardProperty {
  let colon = -1;
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') inQuotes = !inQuotes;
    else if (line[i] === ':' && !inQuotes) {
      colon = i;
      break;
    }
  }
  if (colon < 0)
    throw new UnreadableFileError(`Line ${lineNumber}: a vCard line needs a ':' after its name.`);
  const [rawName, ...rawParams] = splitOutsideQuotes(line.slice(0, colon), ';');
  const name = rawName.slice(rawName.lastIndexOf('.') + 1).toUpperCase();
  const params = new Map<string, string[]>();
  for (const raw of rawParams) {
    const equals = raw.indexOf('=');
    // vCard 2.1 writes bare types (`TEL;WORK;VOICE`).
    const key = equals < 0 ? 'TYPE' : raw.slice(0, equals).toUpperCase();
    const values = splitOutsideQuotes(equals < 0 ? raw : raw.slice(equals + 1), ',').map((item) =>
      decodeParamValue(item.replace(/^"|"$/g, '')),
    );
    params.set(key, [...(params.get(key) ?? []), ...values]);
  }
  return { name, params, value: line.slice(colon + 1) };
}

/** The logical lines of a vCard text (folded lines joined), with the line number each starts on. */
function* logicalLines(slices: Iterable<string>): Generator<{ line: number; text: string }> {
  let pending: { line: number; text: string } | undefined;
  let rest = '';
  let lineNumber = 0;
  const take = function* (physical: string): Generator<{ line: number; text: string }> {
    lineNumber++;
    if ((physical.startsWith(' ') || physical.startsWith('\t')) && pending) {
      pending.text += physical.slice(1);
      return;
    }
    if (pending) yield pending;
    pending = physical.trim() === '' ? undefined : { line: lineNumber, text: physical };
  };
  for (const slice of slices) {
    const lines = (rest + slice).split(/\r\n|\n|\r/);
    rest = lines.pop() ?? '';
    for (const physical of lines) yield* take(physical);
  }
  if (rest !== '') yield* take(rest);
  if (pending) yield pending;
}

/**
 * The cards of a vCard file, as contact inputs for a tab with these custom fields. A file that does not
 * start with BEGIN:VCARD, a card without END:VCARD, or a line that is not a property makes the file
 * unreadable.
 */
export function* parseVCards(
  slices: Iterable<string>,
  customFields: readonly CustomFieldDefinition[] = [],
): Generator<VCardEntry> {
  let card: VCardProperty[] | undefined;
  let cardLine = 0;
  let row = 0;
  for (const { line, text } of logicalLines(slices)) {
    const property = parseProperty(text.replace(/^\ufeff/, ''), line);
    if (property.name === 'BEGIN' && property.value.trim().toUpperCase() === 'VCARD') {
      if (card)
        throw new UnreadableFileError(`Line ${line}: the card begun on line ${cardLine} has no END:VCARD.`);
      card = [];
      cardLine = line;
    } else if (property.name === 'END' && property.value.trim().toUpperCase() === 'VCARD') {
      if (!card) throw new UnreadableFileError(`Line ${line}: END:VCARD without BEGIN:VCARD.`);
      row++;
      yield { row, input: cardInput(card, customFields) };
      card = undefined;
    } else if (!card) {
      throw new UnreadableFileError(`Line ${line}: text outside a card (a card starts with BEGIN:VCARD).`);
    } else card.push(property);
  }
  if (card) throw new UnreadableFileError(`The card begun on line ${cardLine} has no END:VCARD.`);
}

function typesOf(property: VCardProperty): string[] {
  // RFC 6350 itself quotes a list of types: TYPE="work,voice".
  return (property.params.get('TYPE') ?? []).flatMap((type) => type.toLowerCase().split(','));
}

/** The tab's field a custom field property names: by key, else by label (as a header is matched). */
function customFieldOf(
  property: VCardProperty,
  customFields: readonly CustomFieldDefinition[],
): CustomFieldDefinition | undefined {
  const key = property.params.get('X-KEY')?.[0];
  const byKey = customFields.find((field) => field.key === key);
  if (byKey) return byKey;
  const label = headerKey(property.params.get('X-LABEL')?.[0] ?? '');
  return label ? customFields.find((field) => headerKey(field.label) === label) : undefined;
}

function phoneType(types: string[]): PhoneType {
  if (types.includes('fax')) return types.includes('home') ? 'other' : 'businessFax';
  for (const [type, phone] of PHONE_TYPE_OF) if (types.includes(type)) return phone;
  return 'other';
}

/** vCard dates: `YYYYMMDD`, `YYYY-MM-DD`, optionally with a time (dropped). */
function birthdayOf(value: string): string {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(value.trim());
  return match ? `${match[1]}-${match[2]}-${match[3]}` : value.trim();
}

function cardInput(
  card: VCardProperty[],
  customFields: readonly CustomFieldDefinition[],
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const customValues: Record<string, unknown> = {};
  const emails: Array<{ address: string; name?: string }> = [];
  const phones: Array<{ number: string; type: PhoneType }> = [];
  const addresses: Array<Record<string, string>> = [];
  const websites: string[] = [];
  const categories: string[] = [];
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  };
  for (const property of card) {
    const text = () => unescapeText(property.value);
    switch (property.name) {
      case 'FN':
        set('displayName', text());
        break;
      case 'N': {
        const [surname, givenName, middleName, prefix] = components(property.value);
        set('surname', surname);
        set('givenName', givenName);
        set('middleName', middleName);
        set('title', prefix);
        break;
      }
      case 'NICKNAME':
        set('nickName', components(property.value, ',')[0]);
        break;
      case 'ORG': {
        const [company, department] = components(property.value);
        set('companyName', company);
        set('department', department);
        break;
      }
      case 'TITLE':
        set('jobTitle', text());
        break;
      case 'EMAIL': {
        const name = property.params.get(EMAIL_NAME_PARAMETER)?.[0]?.trim();
        if (text().trim()) emails.push({ address: text().trim(), ...(name ? { name } : {}) });
        break;
      }
      case OFFICE_LOCATION_PROPERTY:
        set('officeLocation', text());
        break;
      case 'TEL': {
        const number = text().trim().replace(/^tel:/i, '');
        if (number) phones.push({ number, type: phoneType(typesOf(property)) });
        break;
      }
      case 'ADR': {
        const [, , street, city, state, postalCode, countryOrRegion] = components(property.value);
        const type =
          typesOf(property)
            .map((t) => ADDRESS_TYPE_OF[t])
            .find(Boolean) ?? 'other';
        const address: Record<string, string> = { type };
        const parts = { street, city, state, postalCode, countryOrRegion };
        for (const [key, value] of Object.entries(parts)) if (value?.trim()) address[key] = value.trim();
        addresses.push(address);
        break;
      }
      case 'URL':
        if (text().trim()) websites.push(text().trim());
        break;
      case 'BDAY':
        set('birthday', birthdayOf(text()));
        break;
      case 'NOTE':
        set('notes', text());
        break;
      case 'CATEGORIES':
        categories.push(
          ...components(property.value, ',')
            .map((c) => c.trim())
            .filter(Boolean),
        );
        break;
      case CUSTOM_FIELD_PROPERTY: {
        // A field the tab does not have is left out, as an unmatched column of a spreadsheet is.
        const definition = customFieldOf(property, customFields);
        if (!definition || text().trim() === '') break;
        customValues[definition.key] =
          definition.type === 'multiChoice'
            ? components(property.value, ',')
                .map((choice) => choice.trim())
                .filter(Boolean)
            : customFieldInput(definition, undefined, text());
        break;
      }
    }
  }
  if (Object.keys(customValues).length) input.customFields = customValues;
  if (emails.length) input.emailAddresses = emails;
  if (phones.length) input.phones = phones;
  if (addresses.length) input.addresses = addresses;
  if (websites.length) input.websites = websites;
  if (categories.length) input.categories = categories;
  return input;
}

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
  lines.push(`UID:urn:uuid:${contact.id}`);
  lines.push(`REV:${contact.lastModifiedDateTime.toISOString().replace(/[-:]|\.\d{3}/g, '')}`);
  lines.push('END:VCARD');
  return lines.map(fold).join('');
}
