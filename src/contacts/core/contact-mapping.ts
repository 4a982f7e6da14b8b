import { isEmail, isURL } from 'class-validator';
import type { ApiErrorDetail } from '../../common/api-error';
import { etagOf } from '../../common/etag';
import { applyNormalizedFields, normalizeText, type EntityModel } from '../../odata';
import {
  CONTACT_TEXT_FIELDS,
  LIMITS,
  type ContactTextField,
  type Category,
  type CustomFieldDefinition,
} from '../../contact-fields';
import type { UserReference } from '../../auth';
import type {
  Contact,
  CustomFieldValue,
  EmailAddress,
  Phone,
  PostalAddress,
  StoredPhone,
} from './contact.schema';
import { phoneDigits, phoneKeys, SearchKeys, textKeys } from './contact-search';
import { sanitizeNotes } from './notes-sanitizer';

/*
 * The pure part of the contacts module: input → stored document (normalized keys, search keys, phone
 * digits) and stored document → API resource. The service and the benchmark's seeding both use it, so
 * that what is queried is always what the service would have stored.
 */

/** Text properties whose words `$search` matches (with e-mail addresses, phones, categories, custom texts). */
const SEARCHED_TEXT_FIELDS = [
  'displayName',
  'givenName',
  'surname',
  'companyName',
  'jobTitle',
  'department',
] as const;

/** The editable content of a contact, validated and cleaned. */
export type ContactFields = Partial<Record<ContactTextField, string>> & {
  emailAddresses: EmailAddress[];
  phones: Phone[];
  addresses: PostalAddress[];
  websites: string[];
  birthday?: string;
  notes?: string;
  categories: string[];
  customFields: Record<string, CustomFieldValue>;
};

/**
 * A create or a patch as the DTOs deliver it: an absent property is left as it is, `null` (or an empty
 * string) clears it. Custom field values arrive unchecked: their rules are the tab's.
 */
export type ContactInput = {
  [K in Exclude<keyof ContactFields, 'customFields'>]?: ContactFields[K] | null;
} & { customFields?: Record<string, unknown> | null };

/** What a contact is checked against: its tab's custom fields and categories. */
export interface TabRules {
  customFields: readonly CustomFieldDefinition[];
  categories: readonly Category[];
}

/** The stored fields computed from {@link ContactFields}; the service adds ids, authors, dates and version. */
export type StoredContactFields = Omit<ContactFields, 'phones'> & {
  displayName: string;
  phones: StoredPhone[];
  norm: Record<string, unknown>;
  searchKeys: string[];
};

export const EMPTY_CONTACT: ContactFields = Object.freeze({
  emailAddresses: [],
  phones: [],
  addresses: [],
  websites: [],
  categories: [],
  customFields: {},
});

/** JavaScript's `\s`, spelled out: Python's `re`, which the fuzzer generates from, has another one. */
const SPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const SEPARATOR = `[${SPACE}().\\/-]`;
/**
 * A phone number as entered: an optional `+`, 3+ digits with the usual separators, an optional extension.
 * Also the OpenAPI pattern of phone numbers, so written without lookaround, flags or `\d`.
 */
export const PHONE_NUMBER = new RegExp(
  `^\\+?${SEPARATOR}*(?:[0-9]${SEPARATOR}*){3,}(?:[${SPACE}]*(?:[xX]|[eE][xX][tT]\\.?|#)[${SPACE}]*[0-9]{1,8})?$`,
);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LINE_BREAK = /[\r\n]/;
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A `YYYY-MM-DD` string naming a real day. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** The name a contact shows when it is given none: its names, else nickname, company, first e-mail. */
export function builtDisplayName(fields: ContactFields): string {
  const names = [fields.givenName, fields.middleName, fields.surname].filter(Boolean).join(' ');
  return names || fields.nickName || fields.companyName || fields.emailAddresses[0]?.address || '';
}

function problem(target: string, message: string): ApiErrorDetail {
  return { code: 'InvalidValue', target, message };
}

function copyFields(fields: ContactFields): ContactFields {
  return {
    ...fields,
    emailAddresses: fields.emailAddresses.map((email) => ({ ...email })),
    phones: fields.phones.map((phone) => ({ ...phone })),
    addresses: fields.addresses.map((address) => ({ ...address })),
    websites: [...fields.websites],
    categories: [...fields.categories],
    customFields: { ...fields.customFields },
  };
}

/** Drops empty members, so that absent and empty are stored alike. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, member]) => member !== undefined && member !== null && member !== ''),
  ) as T;
}

/**
 * Applies a create (`current` = {@link EMPTY_CONTACT}) or a patch to a contact and checks it against its
 * tab: categories must be the tab's (stored with the tab's spelling), custom fields must be defined,
 * typed and, when required, present. On create every required field must have a value; on a patch only
 * clearing one is refused, so that a field made required later does not block unrelated edits.
 */
export function applyContactInput(
  current: ContactFields,
  input: ContactInput,
  rules: TabRules,
  mode: 'create' | 'update',
): { fields: ContactFields; problems: ApiErrorDetail[] } {
  const fields = copyFields(current);
  const problems: ApiErrorDetail[] = [];
  // JSON has no undefined: an undefined property (a DTO's declared but absent field) was not sent.
  const given = (key: keyof ContactInput): boolean => input[key] !== undefined;

  for (const key of CONTACT_TEXT_FIELDS) {
    if (!given(key)) continue;
    const value = input[key];
    if (value === null || value === undefined || value === '') delete fields[key];
    else fields[key] = value;
  }
  if (given('emailAddresses')) fields.emailAddresses = (input.emailAddresses ?? []).map(compact);
  if (given('phones')) fields.phones = (input.phones ?? []).map(({ number, type }) => ({ number, type }));
  if (given('addresses')) fields.addresses = (input.addresses ?? []).map(compact);
  if (given('websites')) fields.websites = input.websites ?? [];
  if (given('birthday')) {
    if (input.birthday) fields.birthday = input.birthday;
    else delete fields.birthday;
  }
  if (given('notes')) {
    const notes = input.notes ? sanitizeNotes(input.notes) : undefined;
    for (const message of notes?.problems ?? []) problems.push(problem('notes', message));
    // Trimmed as every other text is: white space around HTML shows nothing, and files trim their cells.
    const html = notes?.html.trim();
    if (html) fields.notes = html;
    else delete fields.notes;
  }
  if (given('categories')) {
    const { categories, problems: categoryProblems } = tabCategories(
      input.categories ?? [],
      rules.categories,
    );
    fields.categories = categories;
    problems.push(...categoryProblems);
  }
  problems.push(...applyCustomFields(fields, input, rules.customFields, mode));

  const named = given('displayName') ? input.displayName || undefined : undefined;
  if (named) fields.displayName = named;
  else if (
    mode === 'create' ||
    given('displayName') ||
    !current.displayName ||
    current.displayName === builtDisplayName(current)
  ) {
    // A built name follows the names; one the caller chose stays until the caller changes it.
    const built = builtDisplayName(fields);
    if (built) fields.displayName = built;
    else delete fields.displayName;
  }
  if (!fields.displayName) {
    problems.push(
      problem(
        'displayName',
        'a contact needs a displayName, a name, a nickname, a company or an e-mail address to be shown by',
      ),
    );
  }
  return { fields, problems };
}

function tabCategories(
  names: string[],
  categories: readonly Category[],
): { categories: string[]; problems: ApiErrorDetail[] } {
  const byKey = new Map(categories.map((category) => [normalizeText(category.name), category.name]));
  const chosen = new Set<string>();
  const problems: ApiErrorDetail[] = [];
  names.forEach((name, index) => {
    const known = byKey.get(normalizeText(name));
    if (known) chosen.add(known);
    else problems.push(problem(`categories.${index}`, `'${name}' is not a category of this tab`));
  });
  return { categories: [...chosen], problems };
}

function applyCustomFields(
  fields: ContactFields,
  input: ContactInput,
  definitions: readonly CustomFieldDefinition[],
  mode: 'create' | 'update',
): ApiErrorDetail[] {
  const byKey = new Map(definitions.map((definition) => [definition.key, definition]));
  const problems: ApiErrorDetail[] = [];
  const cleared = new Set<string>();
  const refused = new Set<string>();
  if (input.customFields !== undefined) {
    const values = input.customFields;
    if (values === null) {
      for (const key of Object.keys(fields.customFields)) cleared.add(key);
      fields.customFields = {};
    } else {
      const entries = Object.entries(values);
      if (entries.length > LIMITS.customFields) {
        return [problem('customFields', `a tab has at most ${LIMITS.customFields} custom fields`)];
      }
      for (const [key, value] of entries) {
        const definition = byKey.get(key);
        const target = `customFields.${key}`;
        if (!definition) {
          problems.push(problem(target, `'${key}' is not a custom field of this tab`));
          continue;
        }
        const checked = customFieldValue(definition, value);
        if (checked.problem) {
          refused.add(key);
          problems.push(problem(target, checked.problem));
        } else if (checked.value === undefined) {
          cleared.add(key);
          delete fields.customFields[key];
        } else fields.customFields[key] = checked.value;
      }
    }
  }
  // Values of fields the tab no longer defines leave with the next write.
  for (const key of Object.keys(fields.customFields)) if (!byKey.has(key)) delete fields.customFields[key];
  for (const definition of definitions) {
    const { key } = definition;
    if (!definition.required || fields.customFields[key] !== undefined || refused.has(key)) continue;
    if (mode === 'create' || cleared.has(key)) {
      problems.push(problem(`customFields.${key}`, `'${definition.label}' is required`));
    }
  }
  return problems;
}

/** A custom field value checked and converted for storage; `value: undefined` clears the field. */
export function customFieldValue(
  definition: CustomFieldDefinition,
  value: unknown,
): { value?: CustomFieldValue; problem?: string } {
  if (value === null) return {};
  const type = definition.type;
  switch (type) {
    case 'text':
    case 'multilineText':
    case 'url':
    case 'email':
    case 'phone': {
      if (typeof value !== 'string') return { problem: `a ${type} value must be a string` };
      const text = value.trim();
      if (text === '') return {};
      const max = definition.maxLength ?? LIMITS.maxTextLength;
      if (text.length > max) return { problem: `at most ${max} characters` };
      if (CONTROL.test(text) || (type !== 'multilineText' && LINE_BREAK.test(text))) {
        return { problem: 'control characters (or line breaks, except in multiline text) are not allowed' };
      }
      if (type === 'url' && !isURL(text, { protocols: ['http', 'https'], require_protocol: true })) {
        return { problem: 'an http or https URL is expected' };
      }
      if (type === 'email' && !isEmail(text)) return { problem: 'an e-mail address is expected' };
      if (type === 'phone' && !PHONE_NUMBER.test(text)) return { problem: 'a phone number is expected' };
      return { value: text };
    }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? { value }
        : { problem: 'a number is expected' };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { problem: 'true or false is expected' };
    case 'date':
      return isCalendarDate(value) ? { value } : { problem: 'a date YYYY-MM-DD is expected' };
    case 'choice': {
      if (typeof value !== 'string') return { problem: 'one of the choices (a string) is expected' };
      if (value.trim() === '') return {};
      const choice = matchChoice(definition, value);
      return choice === undefined ? { problem: `'${value}' is not one of the choices` } : { value: choice };
    }
    case 'multiChoice': {
      if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
        return { problem: 'a list of choices (strings) is expected' };
      }
      if (value.length > LIMITS.choices) return { problem: `at most ${LIMITS.choices} values` };
      const chosen = new Set<string>();
      for (const item of value as string[]) {
        const choice = matchChoice(definition, item);
        if (choice === undefined) return { problem: `'${item}' is not one of the choices` };
        chosen.add(choice);
      }
      return chosen.size ? { value: [...chosen] } : {};
    }
  }
}

/** The tab's spelling of a choice, compared case- and accent-insensitively. */
function matchChoice(definition: CustomFieldDefinition, value: string): string | undefined {
  const key = normalizeText(value);
  return definition.choices?.find((choice) => normalizeText(choice.value) === key)?.value;
}

/**
 * The stored form of a contact's content: phones with their digits, the `norm.*` keys of the tab's model
 * (custom fields included) and the search keys.
 */
export function storedContactFields(fields: ContactFields, model: EntityModel): StoredContactFields {
  const base = {
    ...fields,
    displayName: fields.displayName ?? builtDisplayName(fields),
    phones: fields.phones.map((phone) => ({ ...phone, digits: phoneDigits(phone.number) })),
  };
  const stored = applyNormalizedFields(model, base) as typeof base & { norm: Record<string, unknown> };
  return { ...stored, searchKeys: searchKeysOf(stored) };
}

/**
 * The words `$search` matches, from a stored contact: its names, company, job title and department, its
 * e-mail addresses, phone digits, categories, and the normalized custom values (the text, choice and
 * multiChoice fields: the only ones with a `norm.customFields` key), in that order of priority.
 */
export function searchKeysOf(
  contact: Pick<Partial<Contact>, ContactTextField | 'emailAddresses' | 'phones' | 'categories' | 'norm'>,
): string[] {
  const keys = new SearchKeys();
  for (const field of SEARCHED_TEXT_FIELDS) {
    const value = contact[field];
    if (value) keys.add(textKeys(value));
  }
  for (const email of contact.emailAddresses ?? []) keys.add(textKeys(email.address));
  for (const phone of contact.phones ?? []) keys.add(phoneKeys(phone.number));
  for (const category of contact.categories ?? []) keys.add(textKeys(category));
  const custom = (contact.norm?.customFields ?? {}) as Record<string, unknown>;
  for (const value of Object.values(custom)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === 'string') keys.add(textKeys(item));
    }
  }
  return keys.toArray();
}

/** The editable content of a stored contact (the starting point of a patch). */
export function contactFieldsOf(contact: Partial<Contact>): ContactFields {
  const fields: ContactFields = {
    emailAddresses: contact.emailAddresses ?? [],
    phones: (contact.phones ?? []).map(({ number, type }) => ({ number, type })),
    addresses: contact.addresses ?? [],
    websites: contact.websites ?? [],
    categories: contact.categories ?? [],
    customFields: contact.customFields ?? {},
  };
  for (const key of CONTACT_TEXT_FIELDS) if (contact[key]) fields[key] = contact[key];
  if (contact.birthday) fields.birthday = contact.birthday;
  if (contact.notes) fields.notes = contact.notes;
  return copyFields(fields);
}

/** The API shape of a contact. */
export interface ContactResource {
  id: string;
  tabId: string;
  displayName: string | null;
  givenName: string | null;
  middleName: string | null;
  surname: string | null;
  nickName: string | null;
  title: string | null;
  companyName: string | null;
  department: string | null;
  jobTitle: string | null;
  officeLocation: string | null;
  emailAddresses: Array<{ address: string; name: string | null }>;
  phones: Phone[];
  addresses: Array<Required<{ [K in keyof PostalAddress]: PostalAddress[K] | null }>>;
  websites: string[];
  birthday: string | null;
  notes: string | null;
  categories: string[];
  customFields: Record<string, CustomFieldValue>;
  isFavorite: boolean;
  createdBy: UserReference;
  lastModifiedBy: UserReference;
  createdDateTime: Date;
  lastModifiedDateTime: Date;
  '@odata.etag': string;
}

/**
 * A stored contact (possibly projected by `$select`) as the API shows it to `userId`: `isFavorite` is
 * the caller's own mark; who else marked it is never shown.
 */
export function toContactResource(contact: Partial<Contact>, userId: string): ContactResource {
  return {
    id: contact._id as string,
    tabId: contact.tabId as string,
    displayName: contact.displayName ?? null,
    givenName: contact.givenName ?? null,
    middleName: contact.middleName ?? null,
    surname: contact.surname ?? null,
    nickName: contact.nickName ?? null,
    title: contact.title ?? null,
    companyName: contact.companyName ?? null,
    department: contact.department ?? null,
    jobTitle: contact.jobTitle ?? null,
    officeLocation: contact.officeLocation ?? null,
    emailAddresses: (contact.emailAddresses ?? []).map((email) => ({
      address: email.address,
      name: email.name ?? null,
    })),
    phones: (contact.phones ?? []).map(({ number, type }) => ({ number, type })),
    addresses: (contact.addresses ?? []).map((address) => ({
      type: address.type,
      street: address.street ?? null,
      city: address.city ?? null,
      state: address.state ?? null,
      postalCode: address.postalCode ?? null,
      countryOrRegion: address.countryOrRegion ?? null,
    })),
    websites: contact.websites ?? [],
    birthday: contact.birthday ?? null,
    notes: contact.notes ?? null,
    categories: contact.categories ?? [],
    customFields: contact.customFields ?? {},
    isFavorite: Array.isArray(contact.favoritedBy) && contact.favoritedBy.includes(userId),
    createdBy: contact.createdBy as UserReference,
    lastModifiedBy: contact.lastModifiedBy as UserReference,
    createdDateTime: contact.createdDateTime as Date,
    lastModifiedDateTime: contact.lastModifiedDateTime as Date,
    '@odata.etag': etagOf(contact.version as number),
  };
}
