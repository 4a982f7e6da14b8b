import type { ApiErrorDetail } from '../../common/errors/api-error';
import { etagOf } from '../../common/http/etag';
import { applyNormalizedFields, normalizeText, type EntityModel } from '../../odata';
import {
  CONTACT_TEXT_FIELDS,
  type ContactTextField,
  type Category,
  type CustomFieldDefinition,
} from '../../contact-fields';
import type { UserReference } from '../../common/persistence/tenant-owned.schema';
import type {
  Contact,
  ContactPhoto,
  CustomFieldValue,
  Phone,
  PostalAddress,
  StoredPhone,
} from './contact.schema';
import { phoneDigits, phoneKeys, SearchKeys, textKeys } from './contact-search';
import { applyCustomFields, problem, type ContactFields, type ContactInput } from './contact-values';
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

/** The name a contact shows when it is given none: its names, else nickname, company, first e-mail. */
export function builtDisplayName(fields: ContactFields): string {
  const names = [fields.givenName, fields.middleName, fields.surname].filter(Boolean).join(' ');
  return names || fields.nickName || fields.companyName || fields.emailAddresses[0]?.address || '';
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

  applyDisplayName(fields, current, input, mode);
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

/** The name the caller gave, else one built from the names: a built name follows them, a chosen one stays. */
function applyDisplayName(
  fields: ContactFields,
  current: ContactFields,
  input: ContactInput,
  mode: 'create' | 'update',
): void {
  const given = input.displayName !== undefined;
  const named = given ? input.displayName || undefined : undefined;
  if (named) fields.displayName = named;
  else if (
    mode === 'create' ||
    given ||
    !current.displayName ||
    current.displayName === builtDisplayName(current)
  ) {
    // A built name follows the names; one the caller chose stays until the caller changes it.
    const built = builtDisplayName(fields);
    if (built) fields.displayName = built;
    else delete fields.displayName;
  }
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

/** A contact's photo as Microsoft Graph's profilePhoto: its media type and ETag as annotations. */
export interface PhotoResource {
  id: string;
  width: number;
  height: number;
  '@odata.mediaContentType': string;
  '@odata.mediaEtag': string;
}

/** The ETag of a photo's bytes: one blob name per upload, so the name's version is a strong tag. */
export function photoEtagOf(photo: ContactPhoto, size?: number): string {
  return size === undefined ? `"${photo.version}"` : `"${photo.version}-${size}"`;
}

export function toPhotoResource(photo: ContactPhoto): PhotoResource {
  return {
    id: 'default',
    width: photo.width,
    height: photo.height,
    '@odata.mediaContentType': photo.contentType,
    '@odata.mediaEtag': photoEtagOf(photo),
  };
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
  photo: PhotoResource | null;
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
    photo: contact.photo ? toPhotoResource(contact.photo) : null,
    createdBy: contact.createdBy as UserReference,
    lastModifiedBy: contact.lastModifiedBy as UserReference,
    createdDateTime: contact.createdDateTime as Date,
    lastModifiedDateTime: contact.lastModifiedDateTime as Date,
    '@odata.etag': etagOf(contact.version as number),
  };
}
