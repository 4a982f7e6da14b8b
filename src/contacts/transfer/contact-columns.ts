import type { ApiErrorDetail } from '../../common/api-error';
import { odataError } from '../../odata/odata-error';
import { normalizeText } from '../../odata';
import {
  completeLayout,
  CONTACT_TEXT_FIELDS,
  type ContactTextField,
  type CustomFieldDefinition,
  type FieldLayout,
} from '../../contact-fields';
import { neutralizeFormula } from './csv';
import type { ContactResource, TabRules } from '../core/contact-mapping';
import { ADDRESS_TYPES, PHONE_TYPES, type AddressType, type PhoneType } from '../core/contact.schema';
import { CONTACT_LIMITS } from '../dto/contact-input.dto';
import type { SheetCell } from './spreadsheet';

/*
 * The columns of contact spreadsheets (xlsx and CSV): what the export writes, and how an import's headers
 * map to contact properties — the tab's own export columns first (so that an export always imports back
 * whole), then this product's default and earlier headers, Outlook's and Google Contacts' CSV headers,
 * custom field keys, or an explicit mapping.
 */

/** Cells longer than this are refused (the longest property, notes, holds at most 64 KiB). */
export const MAX_CELL_CHARS = 65_536;

export const ADDRESS_PARTS = ['street', 'city', 'state', 'postalCode', 'countryOrRegion'] as const;
type AddressPart = (typeof ADDRESS_PARTS)[number];

/*
 * Header names: one table each, which the export writes and the import reads back.
 */
const TEXT_HEADERS: Record<ContactTextField, string> = {
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
const OTHER_HEADERS = {
  emailAddresses: 'E-mail addresses',
  websites: 'Websites',
  birthday: 'Birthday',
  notes: 'Notes',
  categories: 'Categories',
} as const;
/** The names of phone types in the cells of an export's phone columns. */
const PHONE_TYPE_LABELS: Record<PhoneType, string> = {
  business: 'Business',
  mobile: 'Mobile',
  home: 'Home',
  businessFax: 'Business fax',
  other: 'Other',
};
const ADDRESS_TYPE_LABELS: Record<AddressType, string> = {
  business: 'Business',
  home: 'Home',
  other: 'Other',
};
const ADDRESS_PART_HEADERS: Record<AddressPart, string> = {
  street: 'street',
  city: 'city',
  state: 'state',
  postalCode: 'postal code',
  countryOrRegion: 'country/region',
};
/** An export's numbered phone and address columns: `Phone 2 number`, `Address 1 postal code`. */
const phoneHeader = (slot: number, part: 'type' | 'number') => `Phone ${slot} ${part}`;
const addressHeader = (slot: number, part: AddressPart | 'type') =>
  `Address ${slot} ${part === 'type' ? 'type' : ADDRESS_PART_HEADERS[part]}`;
/** Earlier exports' columns, one per phone type and one per address type and part: still read. */
const PHONE_TYPE_HEADERS: Record<PhoneType, string> = {
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
const OUTLOOK_HEADERS: Record<string, ColumnTarget> = {
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
const GOOGLE_HEADERS: Record<string, ColumnTarget> = {
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

function googleTarget(header: string): ColumnTarget | undefined {
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

/**
 * Header (as a {@link headerKey}) → target, for a tab: the headers of the tab's own export first, then the
 * product's default headers and its earlier exports', field names and custom field keys, Outlook's and
 * Google's headers.
 */
function headerDictionary(
  fields: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
): Map<string, ColumnTarget> {
  const dictionary = new Map<string, ColumnTarget>();
  const add = (header: string, target: ColumnTarget) => {
    const key = headerKey(header);
    if (key && !dictionary.has(key)) dictionary.set(key, target);
  };
  for (const column of exportColumns(fields, customFields)) add(column.header, column.target);
  for (const column of exportColumns([], customFields)) add(column.header, column.target);
  for (const type of PHONE_TYPES) add(PHONE_TYPE_HEADERS[type], `phones.${type}`);
  for (const type of ADDRESS_TYPES) {
    for (const part of ADDRESS_PARTS) {
      add(`${ADDRESS_TYPE_LABELS[type]} ${ADDRESS_PART_HEADERS[part]}`, `addresses.${type}.${part}`);
    }
  }
  for (const target of publicTargets(customFields)) add(target, target);
  for (const field of customFields) add(field.key, `customFields.${field.key}`);
  for (const [header, target] of Object.entries(OUTLOOK_HEADERS)) add(header, target);
  for (const [header, target] of Object.entries(GOOGLE_HEADERS)) add(header, target);
  return dictionary;
}

/** A column of an import: its header, position and target (none: ignored). */
export interface ImportColumn {
  index: number;
  header: string;
  target?: ColumnTarget;
}

/**
 * The columns of an import from its header row: the explicit mapping first (header → target, or null to
 * ignore a column), then the automatic one. A mapping naming an unknown target or a header the file does
 * not have is refused, with every problem listed.
 */
export function resolveColumns(
  headers: readonly string[],
  fields: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
  mapping: Record<string, string | null> = {},
): { columns: ImportColumn[]; problems: ApiErrorDetail[] } {
  const dictionary = headerDictionary(fields, customFields);
  const allowed = publicTargets(customFields);
  const problems: ApiErrorDetail[] = [];
  const byHeader = new Map(headers.map((header) => [headerKey(header), header]));
  const explicit = new Map<string, ColumnTarget | null>();
  for (const [header, target] of Object.entries(mapping)) {
    if (!byHeader.has(headerKey(header))) {
      problems.push({
        code: 'InvalidValue',
        target: 'mapping',
        message: `The file has no column '${header}'.`,
      });
    } else if (target !== null && !allowed.has(target)) {
      problems.push({
        code: 'InvalidValue',
        target: 'mapping',
        message: `'${target}' (for the column '${header}') is not a contact field of this tab.`,
      });
    } else explicit.set(headerKey(header), target);
  }
  const columns = headers.map((header, index) => {
    const key = headerKey(header);
    const target = explicit.has(key) ? explicit.get(key) : (dictionary.get(key) ?? googleTarget(header));
    return { index, header, target: target ?? undefined };
  });
  return { columns, problems };
}

/** A problem with one cell or property of a row. */
export interface RowProblem {
  column?: string;
  message: string;
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** A cell as text: trimmed, dates as `YYYY-MM-DD`. */
function cellText(cell: SheetCell): string {
  if (cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : isoDay(cell);
  if (typeof cell !== 'string') return String(cell);
  return cell.trim();
}

/** Several values in one cell: one per line, or separated by `;` (Outlook) or ` ::: ` (Google). */
function listOf(text: string, separators = /\r\n|\r|\n| ::: /): string[] {
  return text
    .split(separators)
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Names from a list (categories, choices) in one cell: one per line, as the export writes them, or
 * separated by `;` or ` ::: `. A line that is one of the `known` names (compared as the tab compares
 * them) stays whole, so that a name holding a `;` comes back as it was written.
 */
function namesOf(text: string, known: ReadonlySet<string>): string[] {
  return listOf(text).flatMap((line) => (known.has(normalizeText(line)) ? [line] : listOf(line, /;| ::: /)));
}

/** A name that would be split or misread unless quoted (`"Vance; Adèle" <adele@contoso.com>`). */
const NAME_NEEDS_QUOTES = /[;,"<>\\]|:::/;
const QUOTED_NAME_EMAIL = /^"((?:[^"\\]|\\.)*)"\s*<([^<>]+)>$/;
const EMAIL_WITH_NAME = /^(.*?)\s*<([^<>]+)>$/;

/** An e-mail address as an export's cell holds it: `address`, `name <address>` or `"name" <address>`. */
function emailText(email: { address: string; name: string | null }): string {
  if (!email.name) return email.address;
  const name = NAME_NEEDS_QUOTES.test(email.name) ? `"${email.name.replace(/["\\]/g, '\\$&')}"` : email.name;
  return `${name} <${email.address}>`;
}

/**
 * The e-mail addresses of one cell: one per line, or separated by `;` (Outlook) or ` ::: ` (Google),
 * outside quoted names; each as {@link emailText} writes it.
 */
function emailsOf(text: string): Array<{ address: string; name?: string }> {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '\\' && i + 1 < text.length) {
      current += char + text[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    const separator = quoted
      ? 0
      : char === '\n' || char === '\r' || char === ';'
        ? 1
        : text.startsWith(' ::: ', i)
          ? 5
          : 0;
    if (separator) {
      items.push(current);
      current = '';
      i += separator - 1;
    } else current += char;
  }
  items.push(current);
  return items
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const quotedName = QUOTED_NAME_EMAIL.exec(item);
      if (quotedName) {
        const name = quotedName[1].replace(/\\(.)/g, '$1');
        return { address: quotedName[2].trim(), ...(name ? { name } : {}) };
      }
      const named = EMAIL_WITH_NAME.exec(item);
      return named
        ? { address: named[2].trim(), ...(named[1] ? { name: named[1] } : {}) }
        : { address: item };
    });
}

/** Phone and address types by name: this product's, and the synonyms Google Contacts writes. */
const PHONE_TYPE_NAMES = new Map<string, PhoneType>([
  ...PHONE_TYPES.flatMap((type) => [
    [headerKey(type), type] as const,
    [headerKey(PHONE_TYPE_LABELS[type]), type] as const,
  ]),
  ['cell', 'mobile'],
  ['work', 'business'],
  ['main', 'business'],
  ['workfax', 'businessFax'],
]);
const ADDRESS_TYPE_NAMES = new Map<string, AddressType>([
  ...ADDRESS_TYPES.flatMap((type) => [
    [headerKey(type), type] as const,
    [headerKey(ADDRESS_TYPE_LABELS[type]), type] as const,
  ]),
  ['work', 'business'],
]);
/** Outlook writes `0/0/00` for no birthday, and month/day/year otherwise. */
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function birthdayOf(cell: SheetCell, text: string): string | undefined {
  if (cell instanceof Date) return text;
  if (text === '0/0/00' || text === '') return undefined;
  const us = US_DATE.exec(text);
  return us ? `${us[3]}-${us[1].padStart(2, '0')}-${us[2].padStart(2, '0')}` : text;
}

/** A number as text: `4.5`, `4,5`, `1 234`, `1e+21` (as JavaScript writes large and small numbers). */
const NUMBER_TEXT = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/** A custom field's value from a cell (typed, when a spreadsheet gave a type) or its text. */
export function customFieldInput(definition: CustomFieldDefinition, cell: SheetCell, text: string): unknown {
  switch (definition.type) {
    case 'number': {
      if (typeof cell === 'number') return cell;
      const normalized = text.replace(/\s/g, '').replace(/^(-?\d+),(\d+)$/, '$1.$2');
      return NUMBER_TEXT.test(normalized) ? Number(normalized) : text;
    }
    case 'boolean': {
      if (typeof cell === 'boolean') return cell;
      const key = headerKey(text);
      if (['true', 'yes', '1', 'x', 'oui', 'ja', 'si'].includes(key)) return true;
      if (['false', 'no', '0', 'non', 'nein'].includes(key)) return false;
      return text;
    }
    case 'multiChoice':
      return namesOf(text, new Set((definition.choices ?? []).map((choice) => normalizeText(choice.value))));
    default:
      return text;
  }
}

const SLOT_PROPERTIES = { email: 'emailAddresses', phone: 'phones', address: 'addresses' } as const;
const SLOT = /^(email|phone|address)#(\d+)$/;

/** The contact property a column target fills: `phone#2.type` fills `phones`, `customFields.rating` itself. */
export function targetProperty(target: ColumnTarget): string {
  const slot = SLOT.exec(target.split('.')[0]);
  return slot ? SLOT_PROPERTIES[slot[1] as keyof typeof SLOT_PROPERTIES] : target;
}

/**
 * A data row as the body of `POST …/contacts` would carry it (empty cells are left out), with the header
 * each property came from (for the report), and the problems of cells that could not be read.
 */
export function rowInput(
  cells: readonly SheetCell[],
  columns: readonly ImportColumn[],
  rules: TabRules,
): { input: Record<string, unknown>; sources: Map<string, string>; problems: RowProblem[] } {
  const input: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const problems: RowProblem[] = [];
  const emails = new Map<number, { address?: string; name?: string }>();
  const listedEmails: Array<{ address: string; name?: string }> = [];
  const phones: Array<{ number: string; type: PhoneType }> = [];
  const phoneSlots = new Map<number, { numbers: string[]; type?: string; header?: string }>();
  const addresses = new Map<string, { parts: Record<string, string>; headers: Record<string, string> }>();
  const websites: string[] = [];
  const customValues: Record<string, unknown> = {};
  const definitions = new Map(rules.customFields.map((field) => [field.key, field]));

  for (const column of columns) {
    if (!column.target) continue;
    const cell = cells[column.index];
    const text = cellText(cell);
    if (text === '') continue;
    if (text.length > MAX_CELL_CHARS) {
      problems.push({
        column: column.header,
        message: `the cell holds more than ${MAX_CELL_CHARS} characters`,
      });
      continue;
    }
    const target = column.target;
    const [head, second, third] = target.split('.');
    const slot = SLOT.exec(head);
    sources.set(targetProperty(head), column.header);
    if (head === 'customFields') sources.set(target, column.header);
    if ((CONTACT_TEXT_FIELDS as readonly string[]).includes(target)) input[target] = text;
    else if (slot?.[1] === 'email') {
      const entry = emails.get(Number(slot[2])) ?? {};
      if (second === 'name') entry.name = text;
      else entry.address = text;
      emails.set(Number(slot[2]), entry);
    } else if (slot?.[1] === 'phone') {
      const entry = phoneSlots.get(Number(slot[2])) ?? { numbers: [] };
      if (second === 'type') entry.type = text;
      else {
        entry.numbers.push(...listOf(text));
        entry.header = column.header;
      }
      phoneSlots.set(Number(slot[2]), entry);
    } else if (slot?.[1] === 'address' || head === 'addresses') {
      // Numbered addresses by slot (their type in a column), earlier exports' by type.
      const key = slot ? `#${slot[2]}` : second;
      const part = slot ? second : third;
      const entry = addresses.get(key) ?? { parts: {}, headers: {} };
      if (!slot) entry.parts.type = second;
      entry.parts[part] = text;
      entry.headers[part] = column.header;
      addresses.set(key, entry);
    } else if (head === 'emailAddresses') listedEmails.push(...emailsOf(text));
    else if (head === 'phones') {
      for (const number of listOf(text)) phones.push({ number, type: second as PhoneType });
    } else if (head === 'websites') websites.push(...listOf(text));
    else if (head === 'birthday') {
      const birthday = birthdayOf(cell, text);
      if (birthday) input.birthday = birthday;
    } else if (head === 'notes') input.notes = text;
    else if (head === 'categories') {
      input.categories = namesOf(
        text,
        new Set(rules.categories.map((category) => normalizeText(category.name))),
      );
    } else if (head === 'customFields') {
      const definition = definitions.get(second);
      if (definition) customValues[second] = customFieldInput(definition, cell, text);
    }
  }

  const emailAddresses = [
    ...listedEmails,
    ...[...emails.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([, entry]) =>
        listOf(entry.address ?? '').map((address) => ({
          address,
          ...(entry.name ? { name: entry.name } : {}),
        })),
      ),
  ];
  if (emailAddresses.length) input.emailAddresses = emailAddresses;
  for (const [, entry] of [...phoneSlots.entries()].sort(([a], [b]) => a - b)) {
    const type = PHONE_TYPE_NAMES.get(headerKey(entry.type ?? '')) ?? 'other';
    for (const number of entry.numbers) {
      if (entry.header) sources.set(`phones.${phones.length}`, entry.header);
      phones.push({ number, type });
    }
  }
  if (phones.length) input.phones = phones;
  const postal: Array<Record<string, string>> = [];
  for (const [key, entry] of [...addresses.entries()].sort(([a], [b]) => slotOrder(a) - slotOrder(b))) {
    const type = key.startsWith('#')
      ? (ADDRESS_TYPE_NAMES.get(headerKey(entry.parts.type ?? '')) ?? 'other')
      : entry.parts.type;
    const address: Record<string, string> = { type };
    for (const part of ADDRESS_PARTS) {
      if (!entry.parts[part]) continue;
      address[part] = entry.parts[part];
      sources.set(`addresses.${postal.length}.${part}`, entry.headers[part]);
    }
    if (Object.keys(address).length > 1) postal.push(address);
  }
  if (postal.length) input.addresses = postal;
  if (websites.length) input.websites = websites;
  if (Object.keys(customValues).length) input.customFields = customValues;
  return { input, sources, problems };
}

/** Addresses of earlier exports (by type) come first, in column order; numbered ones follow by number. */
function slotOrder(key: string): number {
  return key.startsWith('#') ? Number(key.slice(1)) : 0;
}

/** A cell of an export: text, a number or a boolean; null for none. */
type ExportValue = string | number | boolean | null;

/** A column of an export: header, the property `$select` names it by, target, and how a contact fills it. */
export interface ExportColumn {
  header: string;
  /** A contact field, or `customFields/<key>`. */
  property: string;
  target: ColumnTarget;
  value(contact: ContactResource): ExportValue;
}

function joined(values: readonly string[]): string | null {
  return values.length ? values.join('\n') : null;
}

/** The columns of one field of the layout (under its label, if it has one and a single column). */
function fieldColumns(
  field: FieldLayout,
  custom: ReadonlyMap<string, CustomFieldDefinition>,
): ExportColumn[] {
  const key = field.key;
  const single = (header: string, target: ColumnTarget, value: (c: ContactResource) => ExportValue) => [
    { header: field.label || header, property: key, target, value },
  ];
  if ((CONTACT_TEXT_FIELDS as readonly string[]).includes(key)) {
    const textKey = key as ContactTextField;
    return single(TEXT_HEADERS[textKey], key, (c) => c[textKey]);
  }
  switch (key) {
    case 'emailAddresses':
      return single(OTHER_HEADERS.emailAddresses, key, (c) => joined(c.emailAddresses.map(emailText)));
    case 'phones':
      return Array.from({ length: CONTACT_LIMITS.phones }, (_, n) => [
        {
          header: phoneHeader(n + 1, 'type'),
          property: key,
          target: `phone#${n + 1}.type`,
          value: (c: ContactResource) => (c.phones[n] ? PHONE_TYPE_LABELS[c.phones[n].type] : null),
        },
        {
          header: phoneHeader(n + 1, 'number'),
          property: key,
          target: `phone#${n + 1}.number`,
          value: (c: ContactResource) => c.phones[n]?.number ?? null,
        },
      ]).flat();
    case 'addresses':
      return Array.from({ length: CONTACT_LIMITS.addresses }, (_, n) => [
        {
          header: addressHeader(n + 1, 'type'),
          property: key,
          target: `address#${n + 1}.type`,
          value: (c: ContactResource) =>
            c.addresses[n] ? ADDRESS_TYPE_LABELS[c.addresses[n].type as AddressType] : null,
        },
        ...ADDRESS_PARTS.map((part) => ({
          header: addressHeader(n + 1, part),
          property: key,
          target: `address#${n + 1}.${part}`,
          value: (c: ContactResource) => c.addresses[n]?.[part] ?? null,
        })),
      ]).flat();
    case 'websites':
      return single(OTHER_HEADERS.websites, key, (c) => joined(c.websites));
    case 'categories':
      return single(OTHER_HEADERS.categories, key, (c) => joined(c.categories));
    case 'birthday':
    case 'notes':
      return single(OTHER_HEADERS[key], key, (c) => c[key]);
  }
  const definition = custom.get(key);
  if (!definition) return [];
  return [
    {
      header: definition.label,
      property: `customFields/${key}`,
      target: `customFields.${key}`,
      value: (c) => {
        const value = c.customFields[key];
        if (value === undefined) return null;
        return Array.isArray(value) ? joined(value) : value;
      },
    },
  ];
}

/**
 * Every field, as the export orders them: the tab's visible fields in the tab's order, then its hidden
 * ones, then any field the layout does not list.
 */
function exportLayout(
  fields: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
): FieldLayout[] {
  const layout = completeLayout(fields, customFields, 'hidden');
  return [...layout.filter((field) => field.visible), ...layout.filter((field) => !field.visible)];
}

/**
 * The columns of a complete export: every field an import reads back (names, every e-mail address, phone
 * and address with their types, categories, notes, custom fields), visible fields first (see
 * {@link exportLayout}). Single-column fields are under the tab's label; phones and addresses take
 * numbered columns, as many as a contact may have. Headers are made distinct, as the import compares
 * them: a label that another column already uses gets its field's key in parentheses.
 */
export function exportColumns(
  fields: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
): ExportColumn[] {
  const custom = new Map(customFields.map((field) => [field.key, field]));
  const columns = exportLayout(fields, customFields).flatMap((field) => fieldColumns(field, custom));
  const taken = new Set<string>();
  for (const column of columns) {
    let header = column.header;
    for (let n = 1; !headerKey(header) || taken.has(headerKey(header)); n++) {
      header = `${column.header} (${column.property}${n > 1 ? ` ${n}` : ''})`;
    }
    taken.add(headerKey(header));
    column.header = header;
  }
  return columns;
}

/**
 * The columns of the `$select`ed properties (custom fields alone as `customFields/key`, or all of them as
 * `customFields`), in the order of a complete export. A selected property that no column holds (the id,
 * dates, favourites) is a 400.
 */
export function selectedColumns(
  fields: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
  select: readonly string[],
): ExportColumn[] {
  const selects = (column: ExportColumn, name: string) =>
    name === column.property || (name === 'customFields' && column.property.startsWith('customFields/'));
  const all = exportColumns(fields, customFields);
  const missing = select.filter((name) => !all.some((column) => selects(column, name)));
  if (missing.length) {
    throw odataError(
      '$select',
      `An export has no column for ${missing.map((name) => `'${name}'`).join(', ')}: select contact fields and custom fields.`,
    );
  }
  return all.filter((column) => select.some((name) => selects(column, name)));
}

/** A cell of a CSV export: text, formulas neutralized. */
export function csvCell(value: ExportValue): string {
  if (value === null) return '';
  return typeof value === 'string' ? neutralizeFormula(value) : String(value);
}
