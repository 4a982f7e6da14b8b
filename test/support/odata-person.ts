import {
  defineEntityModel,
  extendEntityModel,
  prop,
  searchNormalizedPaths,
  type EntityModel,
  type IndexDefinition,
} from '../../src/odata';

/**
 * A test entity shaped like a contact, used by the OData engine's unit, differential and paging tests:
 * every property type, nullable and missing values, collections of strings, numbers and complex values.
 */
const sortable = [
  'displayName',
  'givenName',
  'surname',
  'age',
  'score',
  'isActive',
  'createdDateTime',
  'birthday',
  'externalId',
];

const base = defineEntityModel({
  name: 'person',
  entitySet: 'people',
  idPath: '_id',
  etagPath: 'etag',
  scopePaths: ['tenantId'],
  properties: {
    id: prop.primitive('Edm.Guid', 'id', { path: '_id' }),
    displayName: prop.primitive('Edm.String', 'displayName', { searchable: true }),
    givenName: prop.primitive('Edm.String', 'givenName', { searchable: true }),
    surname: prop.primitive('Edm.String', 'surname', { searchable: true }),
    age: prop.primitive('Edm.Int32', 'age'),
    score: prop.primitive('Edm.Double', 'score'),
    isActive: prop.primitive('Edm.Boolean', 'isActive'),
    createdDateTime: prop.primitive('Edm.DateTimeOffset', 'createdDateTime'),
    birthday: prop.primitive('Edm.Date', 'birthday'),
    externalId: prop.primitive('Edm.Guid', 'externalId'),
    notes: prop.primitive('Edm.String', 'notes', { sortable: false }),
    secret: prop.primitive('Edm.String', 'secret', { filterable: false, sortable: false, selectable: false }),
    categories: prop.collection('Edm.String', 'categories'),
    ratings: prop.collection('Edm.Int32', 'ratings'),
    emailAddresses: prop.complexCollection('emailAddresses', { address: 'Edm.String', name: 'Edm.String' }),
  },
  indexes: [
    [
      ['tenantId', 1],
      ['_id', 1],
    ],
    ...sortable.map((name): IndexDefinition => [
      ['tenantId', 1],
      [['displayName', 'givenName', 'surname'].includes(name) ? `norm.${name}` : name, 1],
      ['_id', 1],
    ]),
    // The tab's custom field below is sortable, so the test declares its index up front.
    [
      ['tenantId', 1],
      ['norm.customFields.industry', 1],
      ['_id', 1],
    ],
  ],
  search: (terms) => searchNormalizedPaths(['norm.displayName', 'norm.givenName', 'norm.surname'], terms),
});

/** The person model with the dynamic custom field `customFields/industry`, as a tab would add it. */
export const personModel: EntityModel = extendEntityModel(base, {
  'customFields/industry': prop.primitive('Edm.String', 'customFields/industry'),
});

/** The sortable property names of the person model. */
export const personSortable = [...sortable, 'id', 'customFields/industry'];
