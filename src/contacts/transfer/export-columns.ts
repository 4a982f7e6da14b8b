import {
  completeLayout,
  CONTACT_TEXT_FIELDS,
  type ContactTextField,
  type CustomFieldDefinition,
  type FieldLayout,
} from '../../contact-fields';
import { odataError } from '../../odata/odata-error';
import type { ContactResource } from '../core/contact-mapping';
import type { AddressType } from '../core/contact.schema';
import { CONTACT_LIMITS } from '../core/dto/contact-input.dto';
import {
  ADDRESS_PARTS,
  ADDRESS_TYPE_LABELS,
  addressHeader,
  headerKey,
  OTHER_HEADERS,
  PHONE_TYPE_LABELS,
  phoneHeader,
  TEXT_HEADERS,
  type ColumnTarget,
} from './contact-columns';
import { neutralizeFormula } from './csv';

/* The columns of an export: one or more per field of the tab's layout, under headers an import reads back. */

/** A name that would be split or misread unless quoted (`"Vance; Adèle" <adele@contoso.com>`). */
const NAME_NEEDS_QUOTES = /[;,"<>\\]|:::/;

/** An e-mail address as an export's cell holds it: `address`, `name <address>` or `"name" <address>`. */
function emailText(email: { address: string; name: string | null }): string {
  if (!email.name) return email.address;
  const name = NAME_NEEDS_QUOTES.test(email.name) ? `"${email.name.replace(/["\\]/g, '\\$&')}"` : email.name;
  return `${name} <${email.address}>`;
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
      return phoneColumns();
    case 'addresses':
      return addressColumns();
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

/** The numbered phone columns, type and number, as many as a contact may have. */
function phoneColumns(): ExportColumn[] {
  const key = 'phones';
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
}

/** The numbered address columns, type and parts, as many as a contact may have. */
function addressColumns(): ExportColumn[] {
  const key = 'addresses';
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
