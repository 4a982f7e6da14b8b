import type { ApiErrorDetail } from '../common/api-error';
import { odataError } from '../odata/odata-error';
import { CONTACT_TEXT_FIELDS, type ContactTextField } from '../tabs/contact-fields';
import type { CustomFieldDefinition, FieldLayout } from '../tabs/tab-configuration.rules';
import { neutralizeFormula, restoreFormulaText } from './csv';
import type { ContactResource } from './contact-mapping';
import { ADDRESS_TYPES, PHONE_TYPES, type AddressType, type PhoneType } from './contact.schema';
import type { SheetCell } from './spreadsheet';

/*
 * The columns of contact spreadsheets (xlsx and CSV): what the export writes, and how an import's headers
 * map to contact properties — this product's own headers, Outlook's and Google Contacts' CSV headers, the
 * tab's labels and custom fields (by label or key), or an explicit mapping.
 */

/** Cells longer than this are refused (the longest property, notes, holds at most 64 KiB). */
export const MAX_CELL_CHARS = 65_536;

export const ADDRESS_PARTS = ['street', 'city', 'state', 'postalCode', 'countryOrRegion'] as const;
type AddressPart = (typeof ADDRESS_PARTS)[number];

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
const PHONE_HEADERS: Record<PhoneType, string> = {
  business: 'Business phone',
  mobile: 'Mobile phone',
  home: 'Home phone',
  businessFax: 'Business fax',
  other: 'Other phone',
};
const ADDRESS_TYPE_HEADERS: Record<AddressType, string> = {
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
const OTHER_HEADERS = {
  emailAddresses: 'E-mail addresses',
  websites: 'Websites',
  birthday: 'Birthday',
  notes: 'Notes',
  categories: 'Categories',
} as const;

/**
 * Where a column goes. Public targets (usable in an explicit mapping): a text property, `emailAddresses`,
 * `phones.<type>`, `addresses.<type>.<part>`, `websites`, `birthday`, `notes`, `categories`,
 * `customFields.<key>`. Numbered slots (`email#2`, `phone#1.type`, …) come from Outlook's and Google's
 * numbered columns.
 */
export type ColumnTarget = string;

/** Headers compared without case, accents, spaces or punctuation. */
export function headerKey(header: string): string {
  return header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
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
      const prefix = ADDRESS_TYPE_HEADERS[type];
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

/** Header (as a {@link headerKey}) → target, for a tab: the product's headers and keys win over labels. */
function headerDictionary(
  fields: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
): Map<string, ColumnTarget> {
  const dictionary = new Map<string, ColumnTarget>();
  const add = (header: string, target: ColumnTarget) => {
    const key = headerKey(header);
    if (key && !dictionary.has(key)) dictionary.set(key, target);
  };
  for (const column of exportColumns([], customFields, true)) add(column.header, column.target);
  for (const column of exportColumns(fields, customFields, true)) add(column.header, column.target);
  for (const target of publicTargets(customFields)) add(target, target);
  for (const field of customFields) add(field.key, `customFields.${field.key}`);
  for (const [header, target] of Object.entries(OUTLOOK_HEADERS)) add(header, target);
  for (const [header, target] of Object.entries(GOOGLE_HEADERS)) add(header, target);
  for (const field of fields) if (field.label) add(field.label, field.key);
  for (const field of customFields) add(field.label, `customFields.${field.key}`);
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

/** A cell as text: trimmed, a neutralized formula restored, dates as `YYYY-MM-DD`. */
function cellText(cell: SheetCell): string {
  if (cell === undefined) return '';
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : isoDay(cell);
  if (typeof cell !== 'string') return String(cell);
  return restoreFormulaText(cell.trim());
}

/** Several values in one cell: one per line, or separated by `;` (Outlook) or ` ::: ` (Google). */
function listOf(text: string, separators = /\r\n|\r|\n| ::: /): string[] {
  return text
    .split(separators)
    .map((item) => item.trim())
    .filter(Boolean);
}

const EMAIL_WITH_NAME = /^(.*?)\s*<([^<>]+)>$/;
const GOOGLE_PHONE_TYPES: Record<string, PhoneType> = {
  mobile: 'mobile',
  cell: 'mobile',
  work: 'business',
  business: 'business',
  main: 'business',
  home: 'home',
  workfax: 'businessFax',
  businessfax: 'businessFax',
};
const GOOGLE_ADDRESS_TYPES: Record<string, AddressType> = {
  work: 'business',
  business: 'business',
  home: 'home',
};
/** Outlook writes `0/0/00` for no birthday, and month/day/year otherwise. */
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function birthdayOf(cell: SheetCell, text: string): string | undefined {
  if (cell instanceof Date) return text;
  if (text === '0/0/00' || text === '') return undefined;
  const us = US_DATE.exec(text);
  return us ? `${us[3]}-${us[1].padStart(2, '0')}-${us[2].padStart(2, '0')}` : text;
}

/** A custom field's value from a cell (typed, when a spreadsheet gave a type) or its text. */
export function customFieldInput(definition: CustomFieldDefinition, cell: SheetCell, text: string): unknown {
  switch (definition.type) {
    case 'number': {
      if (typeof cell === 'number') return cell;
      const normalized = text.replace(/\s/g, '').replace(/^(-?\d+),(\d+)$/, '$1.$2');
      return /^-?\d+(\.\d+)?$/.test(normalized) ? Number(normalized) : text;
    }
    case 'boolean': {
      if (typeof cell === 'boolean') return cell;
      const key = headerKey(text);
      if (['true', 'yes', '1', 'x', 'oui', 'ja', 'si'].includes(key)) return true;
      if (['false', 'no', '0', 'non', 'nein'].includes(key)) return false;
      return text;
    }
    case 'multiChoice':
      return listOf(text, /\r\n|\r|\n|;/);
    default:
      return text;
  }
}

/**
 * A data row as the body of `POST …/contacts` would carry it (empty cells are left out), with the header
 * each property came from (for the report), and the problems of cells that could not be read.
 */
export function rowInput(
  cells: readonly SheetCell[],
  columns: readonly ImportColumn[],
  customFields: readonly CustomFieldDefinition[],
): { input: Record<string, unknown>; sources: Map<string, string>; problems: RowProblem[] } {
  const input: Record<string, unknown> = {};
  const sources = new Map<string, string>();
  const problems: RowProblem[] = [];
  const emails = new Map<number, { address?: string; name?: string }>();
  const listedEmails: Array<{ address: string; name?: string }> = [];
  const phones: Array<{ number: string; type: PhoneType }> = [];
  const phoneSlots = new Map<number, { numbers: string[]; type?: string }>();
  const addresses = new Map<string, Record<string, string>>();
  const websites: string[] = [];
  const customValues: Record<string, unknown> = {};
  const definitions = new Map(customFields.map((field) => [field.key, field]));

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
    const slot = /^(email|phone|address)#(\d+)$/.exec(head);
    sources.set(
      slot ? { email: 'emailAddresses', phone: 'phones', address: 'addresses' }[slot[1]]! : head,
      column.header,
    );
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
      else entry.numbers.push(...listOf(text));
      phoneSlots.set(Number(slot[2]), entry);
    } else if (slot?.[1] === 'address') {
      const key = `#${slot[2]}`;
      const entry = addresses.get(key) ?? {};
      entry[second] = text;
      addresses.set(key, entry);
    } else if (head === 'emailAddresses') {
      for (const line of listOf(text, /\r\n|\r|\n|;| ::: /)) {
        const named = EMAIL_WITH_NAME.exec(line);
        listedEmails.push(
          named ? { address: named[2].trim(), ...(named[1] ? { name: named[1] } : {}) } : { address: line },
        );
      }
    } else if (head === 'phones') {
      for (const number of listOf(text)) phones.push({ number, type: second as PhoneType });
    } else if (head === 'addresses') {
      const entry = addresses.get(second) ?? { type: second };
      entry[third] = text;
      addresses.set(second, entry);
    } else if (head === 'websites') websites.push(...listOf(text));
    else if (head === 'birthday') {
      const birthday = birthdayOf(cell, text);
      if (birthday) input.birthday = birthday;
    } else if (head === 'notes') input.notes = text;
    else if (head === 'categories') input.categories = listOf(text, /\r\n|\r|\n|;| ::: /);
    else if (head === 'customFields') {
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
    const type = GOOGLE_PHONE_TYPES[headerKey(entry.type ?? '')] ?? 'other';
    for (const number of entry.numbers) phones.push({ number, type });
  }
  if (phones.length) input.phones = phones;
  const postal = [...addresses.entries()].map(([key, entry]) => {
    const type = key.startsWith('#')
      ? (GOOGLE_ADDRESS_TYPES[headerKey(entry.type ?? '')] ?? 'other')
      : entry.type;
    const address: Record<string, string> = { type };
    for (const part of ADDRESS_PARTS) if (entry[part]) address[part] = entry[part];
    return address;
  });
  const filled = postal.filter((address) => Object.keys(address).length > 1);
  if (filled.length) input.addresses = filled;
  if (websites.length) input.websites = websites;
  if (Object.keys(customValues).length) input.customFields = customValues;
  return { input, sources, problems };
}

/** A column of an export: header, target, and how a contact fills it. */
export interface ExportColumn {
  header: string;
  target: ColumnTarget;
  value(contact: ContactResource): string | number | boolean | null;
}

function joined(values: readonly string[]): string | null {
  return values.length ? values.join('\n') : null;
}

/**
 * The export's columns: the tab's fields in the tab's order, visible ones only (all of them with
 * `everyField`), single-column fields under their label. Phones take one column per type and addresses
 * one per type and part (one address per type).
 */
export function exportColumns(
  fields: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
  everyField = false,
): ExportColumn[] {
  const custom = new Map(customFields.map((field) => [field.key, field]));
  const columns: ExportColumn[] = [];
  const layout = everyField ? completeLayout(fields, customFields) : fields.filter((field) => field.visible);
  for (const field of layout) {
    const key = field.key;
    if ((CONTACT_TEXT_FIELDS as readonly string[]).includes(key)) {
      const textKey = key as ContactTextField;
      columns.push({ header: field.label || TEXT_HEADERS[textKey], target: key, value: (c) => c[textKey] });
    } else if (key === 'phones') {
      for (const type of PHONE_TYPES) {
        columns.push({
          header: PHONE_HEADERS[type],
          target: `phones.${type}`,
          value: (c) => joined(c.phones.filter((phone) => phone.type === type).map((phone) => phone.number)),
        });
      }
    } else if (key === 'addresses') {
      for (const type of ADDRESS_TYPES) {
        for (const part of ADDRESS_PARTS) {
          columns.push({
            header: `${ADDRESS_TYPE_HEADERS[type]} ${ADDRESS_PART_HEADERS[part]}`,
            target: `addresses.${type}.${part}`,
            value: (c) => c.addresses.find((address) => address.type === type)?.[part] ?? null,
          });
        }
      }
    } else if (key === 'emailAddresses') {
      columns.push({
        header: field.label || OTHER_HEADERS.emailAddresses,
        target: key,
        value: (c) =>
          joined(
            c.emailAddresses.map((email) =>
              email.name ? `${email.name} <${email.address}>` : email.address,
            ),
          ),
      });
    } else if (key === 'websites') {
      columns.push({
        header: field.label || OTHER_HEADERS.websites,
        target: key,
        value: (c) => joined(c.websites),
      });
    } else if (key === 'categories') {
      columns.push({
        header: field.label || OTHER_HEADERS.categories,
        target: key,
        value: (c) => (c.categories.length ? c.categories.join('; ') : null),
      });
    } else if (key === 'birthday' || key === 'notes') {
      columns.push({ header: field.label || OTHER_HEADERS[key], target: key, value: (c) => c[key] });
    } else {
      const definition = custom.get(key);
      if (!definition) continue;
      columns.push({
        header: definition.label,
        target: `customFields.${key}`,
        value: (c) => {
          const value = c.customFields[key];
          if (value === undefined) return null;
          return Array.isArray(value) ? value.join('; ') : value;
        },
      });
    }
  }
  return columns;
}

/**
 * The columns of the `$select`ed properties (a custom field alone as `customFields/key`), in the tab's
 * order, shown or hidden alike. A selected property that no column holds (the id, dates, favourites)
 * is a 400.
 */
export function selectedColumns(
  fields: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
  select: readonly string[],
): ExportColumn[] {
  const selects = (target: ColumnTarget, name: string) => {
    const [head, second] = target.split('.');
    return name === head || (head === 'customFields' && name === `customFields/${second}`);
  };
  const all = exportColumns(fields, customFields, true);
  const missing = select.filter((name) => !all.some((column) => selects(column.target, name)));
  if (missing.length) {
    throw odataError(
      '$select',
      `An export has no column for ${missing.map((name) => `'${name}'`).join(', ')}: select contact fields and custom fields.`,
    );
  }
  return all.filter((column) => select.some((name) => selects(column.target, name)));
}

/** Every field, in the tab's order, then any the layout does not list. */
function completeLayout(
  fields: readonly FieldLayout[],
  customFields: readonly CustomFieldDefinition[],
): FieldLayout[] {
  const placed = new Set(fields.map((field) => field.key));
  const keys = [
    ...CONTACT_TEXT_FIELDS,
    ...(['emailAddresses', 'phones', 'addresses', 'websites', 'birthday', 'notes', 'categories'] as const),
    ...customFields.map((field) => field.key),
  ];
  return [...fields, ...keys.filter((key) => !placed.has(key)).map((key) => ({ key, visible: true }))];
}

/** A cell of a CSV export: text, formulas neutralized. */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  return typeof value === 'string' ? neutralizeFormula(value) : String(value);
}
