/** The single-line text properties of a contact (stored with a normalized key each). */
export const CONTACT_TEXT_FIELDS = [
  'displayName',
  'givenName',
  'middleName',
  'surname',
  'nickName',
  'title',
  'companyName',
  'department',
  'jobTitle',
  'officeLocation',
] as const;
export type ContactTextField = (typeof CONTACT_TEXT_FIELDS)[number];

/**
 * The built-in contact fields a tab can order, label, show and hide (Microsoft Graph's contact resource).
 * Custom field keys may not reuse these names, nor the read-only properties below.
 */
export const BUILT_IN_CONTACT_FIELDS = [
  ...CONTACT_TEXT_FIELDS,
  'emailAddresses',
  'phones',
  'addresses',
  'websites',
  'birthday',
  'notes',
  'categories',
] as const;

export type BuiltInContactField = (typeof BUILT_IN_CONTACT_FIELDS)[number];

export const READ_ONLY_CONTACT_PROPERTIES = [
  'id',
  'tabId',
  'tenantId',
  'createdBy',
  'lastModifiedBy',
  'createdDateTime',
  'lastModifiedDateTime',
  'isFavorite',
  'photo',
  'customFields',
] as const;

export const RESERVED_CONTACT_KEYS: ReadonlySet<string> = new Set<string>([
  ...BUILT_IN_CONTACT_FIELDS,
  ...READ_ONLY_CONTACT_PROPERTIES,
]);

/** Properties a tab may name as its default sort (the contact list's sortable ones). */
export const SORTABLE_CONTACT_FIELDS = [
  'displayName',
  'givenName',
  'surname',
  'companyName',
  'department',
  'jobTitle',
  'officeLocation',
  'birthday',
  'createdDateTime',
  'lastModifiedDateTime',
] as const;

export const CUSTOM_FIELD_TYPES = [
  'text',
  'multilineText',
  'number',
  'date',
  'boolean',
  'choice',
  'multiChoice',
  'url',
  'email',
  'phone',
] as const;

export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export const CHOICE_FIELD_TYPES: ReadonlySet<CustomFieldType> = new Set(['choice', 'multiChoice']);
export const TEXT_FIELD_TYPES: ReadonlySet<CustomFieldType> = new Set([
  'text',
  'multilineText',
  'url',
  'email',
  'phone',
]);

/** Custom field types a contact list can be sorted by (one value per contact). */
export const SORTABLE_CUSTOM_FIELD_TYPES: ReadonlySet<CustomFieldType> = new Set([
  'text',
  'number',
  'date',
  'boolean',
  'choice',
  'url',
  'email',
  'phone',
]);

export const CONTACT_EDITORS = ['everyone', 'owners', 'members'] as const;
export type ContactEditors = (typeof CONTACT_EDITORS)[number];

export const LIMITS = {
  customFields: 50,
  choices: 200,
  categories: 100,
  owners: 100,
  members: 1000,
  labelLength: 100,
  categoryNameLength: 50,
  displayNameLength: 100,
  maxTextLength: 10_000,
};
