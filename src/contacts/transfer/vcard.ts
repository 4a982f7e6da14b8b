import type { CustomFieldDefinition } from '../../contact-fields';
import { headerKey } from './contact-columns';
import { customFieldInput } from './cell-values';
import { UnreadableFileError } from './csv';
import type { AddressType, PhoneType } from '../core/contact.schema';
import { vcardPhotoOf, type VCardPhoto } from './vcard-photo';

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

export const CUSTOM_FIELD_PROPERTY = 'X-CONTACTPRO-FIELD';
export const OFFICE_LOCATION_PROPERTY = 'X-CONTACTPRO-OFFICE-LOCATION';
export const EMAIL_NAME_PARAMETER = 'X-DISPLAY-NAME';

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
  /** Its PHOTO, when it has one (the first). */
  photo?: VCardPhoto;
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

export function encodeParamValue(value: string): string {
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
      const photo = card.find((property) => property.name === 'PHOTO');
      yield {
        row,
        input: cardInput(card, customFields),
        ...(photo ? { photo: vcardPhotoOf(photo.value, photo.params) } : {}),
      };
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

/** What the properties of one card say, gathered before they become the contact's input. */
interface CardParts {
  input: Record<string, unknown>;
  customValues: Record<string, unknown>;
  emails: Array<{ address: string; name?: string }>;
  phones: Array<{ number: string; type: PhoneType }>;
  addresses: Array<Record<string, string>>;
  websites: string[];
  categories: string[];
}

function cardInput(
  card: VCardProperty[],
  customFields: readonly CustomFieldDefinition[],
): Record<string, unknown> {
  const parts: CardParts = {
    input: {},
    customValues: {},
    emails: [],
    phones: [],
    addresses: [],
    websites: [],
    categories: [],
  };
  for (const property of card) {
    if (!readSingleProperty(parts.input, property)) readListedProperty(parts, property, customFields);
  }
  const { input, customValues, emails, phones, addresses, websites, categories } = parts;
  if (Object.keys(customValues).length) input.customFields = customValues;
  if (emails.length) input.emailAddresses = emails;
  if (phones.length) input.phones = phones;
  if (addresses.length) input.addresses = addresses;
  if (websites.length) input.websites = websites;
  if (categories.length) input.categories = categories;
  return input;
}

/** A property that fills contact fields of its own (names, organization, dates, note); false for others. */
function readSingleProperty(input: Record<string, unknown>, property: VCardProperty): boolean {
  const text = () => unescapeText(property.value);
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  };
  switch (property.name) {
    case 'FN':
      set('displayName', text());
      return true;
    case 'N': {
      const [surname, givenName, middleName, prefix] = components(property.value);
      set('surname', surname);
      set('givenName', givenName);
      set('middleName', middleName);
      set('title', prefix);
      return true;
    }
    case 'NICKNAME':
      set('nickName', components(property.value, ',')[0]);
      return true;
    case 'ORG': {
      const [company, department] = components(property.value);
      set('companyName', company);
      set('department', department);
      return true;
    }
    case 'TITLE':
      set('jobTitle', text());
      return true;
    case OFFICE_LOCATION_PROPERTY:
      set('officeLocation', text());
      return true;
    case 'BDAY':
      set('birthday', birthdayOf(text()));
      return true;
    case 'NOTE':
      set('notes', text());
      return true;
  }
  return false;
}

/** A property that adds to a list: e-mail addresses, phones, addresses, websites, categories, custom fields. */
function readListedProperty(
  parts: CardParts,
  property: VCardProperty,
  customFields: readonly CustomFieldDefinition[],
): void {
  const text = () => unescapeText(property.value);
  switch (property.name) {
    case 'EMAIL': {
      const name = property.params.get(EMAIL_NAME_PARAMETER)?.[0]?.trim();
      if (text().trim()) parts.emails.push({ address: text().trim(), ...(name ? { name } : {}) });
      break;
    }
    case 'TEL': {
      const number = text().trim().replace(/^tel:/i, '');
      if (number) parts.phones.push({ number, type: phoneType(typesOf(property)) });
      break;
    }
    case 'ADR':
      parts.addresses.push(postalAddressOf(property));
      break;
    case 'URL':
      if (text().trim()) parts.websites.push(text().trim());
      break;
    case 'CATEGORIES':
      parts.categories.push(
        ...components(property.value, ',')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      break;
    case CUSTOM_FIELD_PROPERTY: {
      // A field the tab does not have is left out, as an unmatched column of a spreadsheet is.
      const definition = customFieldOf(property, customFields);
      if (!definition || text().trim() === '') break;
      parts.customValues[definition.key] =
        definition.type === 'multiChoice'
          ? components(property.value, ',')
              .map((choice) => choice.trim())
              .filter(Boolean)
          : customFieldInput(definition, undefined, text());
      break;
    }
  }
}

function postalAddressOf(property: VCardProperty): Record<string, string> {
  const [, , street, city, state, postalCode, countryOrRegion] = components(property.value);
  const type =
    typesOf(property)
      .map((t) => ADDRESS_TYPE_OF[t])
      .find(Boolean) ?? 'other';
  const address: Record<string, string> = { type };
  const parts = { street, city, state, postalCode, countryOrRegion };
  for (const [key, value] of Object.entries(parts)) if (value?.trim()) address[key] = value.trim();
  return address;
}
