import {
  defineEntityModel,
  extendEntityModel,
  prop,
  type EntityModel,
  type IndexDefinition,
  type MongoFilter,
  type PropertyModel,
  type QueryContext,
} from '../../odata';
import {
  CONTACT_TEXT_FIELDS,
  SORTABLE_CONTACT_FIELDS,
  SORTABLE_CUSTOM_FIELD_TYPES,
  TEXT_FIELD_TYPES,
  type CustomFieldDefinition,
} from '../../contact-fields';
import { searchFilter } from './contact-search';

const SELECT_ONLY = { filterable: false, sortable: false } as const;
const NOT_SORTABLE = { sortable: false } as const;

/** Database path of the (never exposed) list of users who marked a contact as favourite. */
export const FAVORITED_BY_PATH = 'favoritedBy';

/**
 * `isFavorite` is the caller's own mark, stored as the caller's id in the contact's `favoritedBy` array:
 * true is `{ favoritedBy: userId }` (served by the `(tenantId, tabId, favoritedBy, _id)` index), false
 * `{ favoritedBy: { $ne: userId } }`.
 */
function favoriteCondition(favorite: boolean, { userId }: QueryContext): MongoFilter {
  return { [FAVORITED_BY_PATH]: favorite ? userId : { $ne: userId } };
}

/** The database path a tab's list sorts on for each sortable property: text sorts on its normalized key. */
const TAB_SORT_PATHS = SORTABLE_CONTACT_FIELDS.map((name) =>
  (CONTACT_TEXT_FIELDS as readonly string[]).includes(name) ? `norm.${name}` : name,
);
/** The cross-tab search sorts by fewer properties: each costs one more index on every contact write. */
const TENANT_SORTABLE = new Set(['displayName', 'companyName', 'lastModifiedDateTime']);

/** Which properties a list route sorts by (each needs an index of that route's scope). */
type SortableOnRoute = (name: string) => boolean;

/** A text property: sortable where the route sorts by it, unless `NOT_SORTABLE` says never. */
function textProperty(
  sortable: SortableOnRoute,
  name: string,
  options: { sortable?: boolean } = {},
): PropertyModel {
  return prop.primitive('Edm.String', name, { sortable: options.sortable ?? sortable(name) });
}

/** The properties shared by both list routes, in the order `$metadata` lists them. */
function contactProperties(sortable: SortableOnRoute): Record<string, PropertyModel> {
  return {
    id: prop.primitive('Edm.Guid', 'id', { path: '_id', sortable: false }),
    tabId: prop.primitive('Edm.Guid', 'tabId', NOT_SORTABLE),
    ...nameProperties(sortable),
    ...organisationProperties(sortable),
    ...contactPointProperties(),
    ...detailProperties(sortable),
    ...auditProperties(sortable),
  };
}

function nameProperties(sortable: SortableOnRoute): Record<string, PropertyModel> {
  return {
    displayName: textProperty(sortable, 'displayName'),
    givenName: textProperty(sortable, 'givenName'),
    middleName: textProperty(sortable, 'middleName', NOT_SORTABLE),
    surname: textProperty(sortable, 'surname'),
    nickName: textProperty(sortable, 'nickName', NOT_SORTABLE),
    title: textProperty(sortable, 'title', NOT_SORTABLE),
  };
}

function organisationProperties(sortable: SortableOnRoute): Record<string, PropertyModel> {
  return {
    companyName: textProperty(sortable, 'companyName'),
    department: textProperty(sortable, 'department'),
    jobTitle: textProperty(sortable, 'jobTitle'),
    officeLocation: textProperty(sortable, 'officeLocation'),
  };
}

/** E-mail addresses, phones, postal addresses and websites: lists, never sorted by. */
function contactPointProperties(): Record<string, PropertyModel> {
  return {
    // Required members: every write (API and import) goes through the DTOs, which refuse an e-mail
    // address without its address, a phone without its number or type, a postal address without its type.
    emailAddresses: prop.complexCollection(
      'emailAddresses',
      { address: 'Edm.String', name: 'Edm.String' },
      { requiredMembers: ['address'] },
    ),
    phones: prop.complexCollection(
      'phones',
      { number: 'Edm.String', type: 'Edm.String' },
      { requiredMembers: ['number', 'type'] },
    ),
    addresses: prop.complexCollection(
      'addresses',
      {
        type: 'Edm.String',
        street: 'Edm.String',
        city: 'Edm.String',
        state: 'Edm.String',
        postalCode: 'Edm.String',
        countryOrRegion: 'Edm.String',
      },
      { requiredMembers: ['type'] },
    ),
    websites: prop.collection('Edm.String', 'websites'),
  };
}

/** The birthday, notes, categories and the caller's favourite mark. */
function detailProperties(sortable: SortableOnRoute): Record<string, PropertyModel> {
  return {
    birthday: prop.primitive('Edm.Date', 'birthday', { sortable: sortable('birthday') }),
    // Up to 64 KiB of HTML: selectable only, and no normalized copy (normalizedPath = path skips it).
    notes: prop.primitive('Edm.String', 'notes', { ...SELECT_ONLY, normalizedPath: 'notes' }),
    categories: prop.collection('Edm.String', 'categories'),
    isFavorite: prop.primitive('Edm.Boolean', 'isFavorite', {
      sortable: false,
      translate: favoriteCondition,
    }),
    ...photoProperties(),
  };
}

/** The photo's summary (null without one): selectable whole, never filtered or sorted on. */
function photoProperties(): Record<string, PropertyModel> {
  const member = { ...SELECT_ONLY, selectable: false } as const;
  return {
    photo: prop.primitive('Edm.String', 'photo', { ...SELECT_ONLY, normalizedPath: 'photo' }),
    'photo/id': prop.primitive('Edm.String', 'photo/id', { ...member, normalizedPath: 'photo.id' }),
    'photo/width': prop.primitive('Edm.Int32', 'photo/width', member),
    'photo/height': prop.primitive('Edm.Int32', 'photo/height', member),
  };
}

/** Who created and last changed the contact, and when. */
function auditProperties(sortable: SortableOnRoute): Record<string, PropertyModel> {
  return {
    // The user references are read whole; their ids filter (`createdBy/id eq '…'`).
    createdBy: prop.primitive('Edm.Guid', 'createdBy', SELECT_ONLY),
    'createdBy/id': prop.primitive('Edm.Guid', 'createdBy/id', { ...NOT_SORTABLE, selectable: false }),
    lastModifiedBy: prop.primitive('Edm.Guid', 'lastModifiedBy', SELECT_ONLY),
    'lastModifiedBy/id': prop.primitive('Edm.Guid', 'lastModifiedBy/id', {
      ...NOT_SORTABLE,
      selectable: false,
    }),
    createdDateTime: prop.primitive('Edm.DateTimeOffset', 'createdDateTime', {
      sortable: sortable('createdDateTime'),
    }),
    lastModifiedDateTime: prop.primitive('Edm.DateTimeOffset', 'lastModifiedDateTime', {
      sortable: sortable('lastModifiedDateTime'),
    }),
  };
}

/** `(scope…, path, _id)` for each sortable path: one index serves both directions (reverse traversal). */
function sortIndexes(scope: readonly string[], paths: readonly string[]): IndexDefinition[] {
  return paths.map((path) => [...scope.map((field) => [field, 1] as const), [path, 1], ['_id', 1]]);
}

function scoped(scope: readonly string[], ...fields: string[]): IndexDefinition {
  return [...scope, ...fields].map((field) => [field, 1] as const);
}

const TAB_SCOPE = ['tenantId', 'tabId'] as const;
const TENANT_SCOPE = ['tenantId'] as const;

/** Always read: the etag, the tab (the cross-tab search shows it), and the favourites (for isFavorite). */
const ALWAYS_PROJECT = ['version', 'tabId', FAVORITED_BY_PATH];

/**
 * The contacts of one tab (`GET /api/v1/tabs/{tabId}/contacts`), without the tab's custom fields (see
 * {@link contactModelForTab}). Text compares and sorts through the `norm.*` keys the service stores;
 * `$search` matches word prefixes through the stored `searchKeys`.
 */
export const contactModel: EntityModel = defineEntityModel({
  name: 'contact',
  entitySet: 'contacts',
  idPath: '_id',
  etagPath: 'version',
  scopePaths: [...TAB_SCOPE],
  properties: contactProperties((name) => (SORTABLE_CONTACT_FIELDS as readonly string[]).includes(name)),
  alwaysProject: ALWAYS_PROJECT,
  indexes: [
    scoped(TAB_SCOPE, '_id'),
    ...sortIndexes(TAB_SCOPE, TAB_SORT_PATHS),
    // $search: each term is an anchored prefix of one array element, which a multikey index bounds.
    scoped(TAB_SCOPE, 'searchKeys'),
    // isFavorite eq true: the caller's id among the favouriting users, in id order.
    scoped(TAB_SCOPE, FAVORITED_BY_PATH, '_id'),
    // The duplicate check of a create and emailAddresses/any(e: e/address eq …).
    scoped(TAB_SCOPE, 'norm.emailAddresses.address'),
  ],
  search: (terms) => searchFilter(terms),
});

/** `GET /api/v1/contacts`: every tab of the caller's tenant; no custom fields (they differ per tab). */
export const tenantContactModel: EntityModel = defineEntityModel({
  name: 'contact',
  entitySet: 'contacts',
  idPath: '_id',
  etagPath: 'version',
  scopePaths: [...TENANT_SCOPE],
  properties: contactProperties((name) => TENANT_SORTABLE.has(name)),
  alwaysProject: ALWAYS_PROJECT,
  indexes: [
    scoped(TENANT_SCOPE, '_id'),
    ...sortIndexes(TENANT_SCOPE, ['norm.displayName', 'norm.companyName', 'lastModifiedDateTime']),
    scoped(TENANT_SCOPE, 'searchKeys'),
    scoped(TENANT_SCOPE, FAVORITED_BY_PATH, '_id'),
  ],
  search: (terms) => searchFilter(terms),
});

/** The OData property of one custom field, typed from its definition. */
export function customFieldProperty(field: CustomFieldDefinition): PropertyModel {
  const name = `customFields/${field.key}`;
  // Sorting by a custom field is not index-served (fields differ per tab); a tab's contacts are few.
  const sortable = SORTABLE_CUSTOM_FIELD_TYPES.has(field.type);
  if (field.type === 'multiChoice') return prop.collection('Edm.String', name);
  if (TEXT_FIELD_TYPES.has(field.type) || field.type === 'choice') {
    return prop.primitive('Edm.String', name, { sortable });
  }
  const type = field.type === 'number' ? 'Edm.Double' : field.type === 'date' ? 'Edm.Date' : 'Edm.Boolean';
  return prop.primitive(type, name, { sortable });
}

/** The model of a tab's contacts: with its custom fields when it has any (building one is cheap). */
export function contactModelOf(tab: { customFields: readonly CustomFieldDefinition[] }): EntityModel {
  return tab.customFields.length ? contactModelForTab(tab.customFields) : contactModel;
}

/** The contact model of one tab: the static properties plus `customFields/<key>` for each custom field. */
export function contactModelForTab(customFields: readonly CustomFieldDefinition[]): EntityModel {
  return extendEntityModel(
    contactModel,
    Object.fromEntries(
      customFields.map((field) => [`customFields/${field.key}`, customFieldProperty(field)]),
    ),
  );
}
