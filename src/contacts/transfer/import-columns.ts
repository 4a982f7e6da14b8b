import type { ApiErrorDetail } from '../../common/errors/api-error';
import { CONTACT_TEXT_FIELDS, type CustomFieldDefinition, type FieldLayout } from '../../contact-fields';
import { normalizeText } from '../../odata';
import type { TabRules } from '../core/contact-mapping';
import { ADDRESS_TYPES, PHONE_TYPES, type AddressType, type PhoneType } from '../core/contact.schema';
import {
  ADDRESS_PART_HEADERS,
  ADDRESS_PARTS,
  ADDRESS_TYPE_LABELS,
  GOOGLE_HEADERS,
  googleTarget,
  headerKey,
  OUTLOOK_HEADERS,
  PHONE_TYPE_HEADERS,
  PHONE_TYPE_LABELS,
  publicTargets,
  SLOT,
  targetProperty,
  type ColumnTarget,
} from './contact-columns';
import { birthdayOf, cellText, customFieldInput, emailsOf, listOf, namesOf } from './cell-values';
import { exportColumns } from './export-columns';
import type { SheetCell } from './spreadsheet';

/* The columns of an import: headers resolved to targets, and each data row read as a contact's input. */

/** Cells longer than this are refused (the longest property, notes, holds at most 64 KiB). */
export const MAX_CELL_CHARS = 65_536;

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
/** What the cells of one row say, gathered column by column before they become the row's properties. */
interface RowParts {
  input: Record<string, unknown>;
  sources: Map<string, string>;
  emails: Map<number, { address?: string; name?: string }>;
  listedEmails: Array<{ address: string; name?: string }>;
  phones: Array<{ number: string; type: PhoneType }>;
  phoneSlots: Map<number, { numbers: string[]; type?: string; header?: string }>;
  addresses: Map<string, { parts: Record<string, string>; headers: Record<string, string> }>;
  websites: string[];
  customValues: Record<string, unknown>;
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
  const row: RowParts = {
    input: {},
    sources: new Map(),
    emails: new Map(),
    listedEmails: [],
    phones: [],
    phoneSlots: new Map(),
    addresses: new Map(),
    websites: [],
    customValues: {},
  };
  const problems: RowProblem[] = [];
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
    readCell(row, column as Required<ImportColumn>, cell, text, rules, definitions);
  }

  const { input, sources } = row;
  const emailAddresses = emailAddressesOf(row);
  if (emailAddresses.length) input.emailAddresses = emailAddresses;
  addSlotPhones(row);
  if (row.phones.length) input.phones = row.phones;
  const postal = postalAddressesOf(row);
  if (postal.length) input.addresses = postal;
  if (row.websites.length) input.websites = row.websites;
  if (Object.keys(row.customValues).length) input.customFields = row.customValues;
  return { input, sources, problems };
}

/** Puts one cell's text where its column's target says. */
function readCell(
  row: RowParts,
  column: Required<ImportColumn>,
  cell: SheetCell,
  text: string,
  rules: TabRules,
  definitions: ReadonlyMap<string, CustomFieldDefinition>,
): void {
  const target = column.target;
  const [head, second] = target.split('.');
  row.sources.set(targetProperty(head), column.header);
  if (head === 'customFields') row.sources.set(target, column.header);
  if ((CONTACT_TEXT_FIELDS as readonly string[]).includes(target)) row.input[target] = text;
  else if (readSlotCell(row, column, text)) return;
  else if (head === 'emailAddresses') row.listedEmails.push(...emailsOf(text));
  else if (head === 'phones') {
    for (const number of listOf(text)) row.phones.push({ number, type: second as PhoneType });
  } else if (head === 'websites') row.websites.push(...listOf(text));
  else if (head === 'birthday') {
    const birthday = birthdayOf(cell, text);
    if (birthday) row.input.birthday = birthday;
  } else if (head === 'notes') row.input.notes = text;
  else if (head === 'categories') {
    row.input.categories = namesOf(
      text,
      new Set(rules.categories.map((category) => normalizeText(category.name))),
    );
  } else if (head === 'customFields') {
    const definition = definitions.get(second);
    if (definition) row.customValues[second] = customFieldInput(definition, cell, text);
  }
}

/** A cell of a numbered e-mail, phone or address column, or of an earlier export's address columns. */
function readSlotCell(row: RowParts, column: Required<ImportColumn>, text: string): boolean {
  const [head, second, third] = column.target.split('.');
  const slot = SLOT.exec(head);
  if (slot?.[1] === 'email') {
    const entry = row.emails.get(Number(slot[2])) ?? {};
    if (second === 'name') entry.name = text;
    else entry.address = text;
    row.emails.set(Number(slot[2]), entry);
  } else if (slot?.[1] === 'phone') {
    const entry = row.phoneSlots.get(Number(slot[2])) ?? { numbers: [] };
    if (second === 'type') entry.type = text;
    else {
      entry.numbers.push(...listOf(text));
      entry.header = column.header;
    }
    row.phoneSlots.set(Number(slot[2]), entry);
  } else if (slot?.[1] === 'address' || head === 'addresses') {
    // Numbered addresses by slot (their type in a column), earlier exports' by type.
    const key = slot ? `#${slot[2]}` : second;
    const part = slot ? second : third;
    const entry = row.addresses.get(key) ?? { parts: {}, headers: {} };
    if (!slot) entry.parts.type = second;
    entry.parts[part] = text;
    entry.headers[part] = column.header;
    row.addresses.set(key, entry);
  } else return false;
  return true;
}

/** The listed e-mail addresses, then the numbered ones by number. */
function emailAddressesOf(row: RowParts): Array<{ address: string; name?: string }> {
  return [
    ...row.listedEmails,
    ...[...row.emails.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([, entry]) =>
        listOf(entry.address ?? '').map((address) => ({
          address,
          ...(entry.name ? { name: entry.name } : {}),
        })),
      ),
  ];
}

/** The numbered phones after the ones of typed columns, by number. */
function addSlotPhones(row: RowParts): void {
  for (const [, entry] of [...row.phoneSlots.entries()].sort(([a], [b]) => a - b)) {
    const type = PHONE_TYPE_NAMES.get(headerKey(entry.type ?? '')) ?? 'other';
    for (const number of entry.numbers) {
      if (entry.header) row.sources.set(`phones.${row.phones.length}`, entry.header);
      row.phones.push({ number, type });
    }
  }
}

/** The postal addresses that have more than a type. */
function postalAddressesOf(row: RowParts): Array<Record<string, string>> {
  const postal: Array<Record<string, string>> = [];
  for (const [key, entry] of [...row.addresses.entries()].sort(([a], [b]) => slotOrder(a) - slotOrder(b))) {
    const type = key.startsWith('#')
      ? (ADDRESS_TYPE_NAMES.get(headerKey(entry.parts.type ?? '')) ?? 'other')
      : entry.parts.type;
    const address: Record<string, string> = { type };
    for (const part of ADDRESS_PARTS) {
      if (!entry.parts[part]) continue;
      address[part] = entry.parts[part];
      row.sources.set(`addresses.${postal.length}.${part}`, entry.headers[part]);
    }
    if (Object.keys(address).length > 1) postal.push(address);
  }
  return postal;
}

/** Addresses of earlier exports (by type) come first, in column order; numbered ones follow by number. */
function slotOrder(key: string): number {
  return key.startsWith('#') ? Number(key.slice(1)) : 0;
}
