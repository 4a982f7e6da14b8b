import { defineEntityModel, prop } from '../odata';

const SELECT_ONLY = { filterable: false, sortable: false } as const;

/** What `GET /api/v1/tabs` may filter, sort and select; every list runs within the caller's tenant. */
export const tabModel = defineEntityModel({
  name: 'tab',
  entitySet: 'tabs',
  idPath: '_id',
  etagPath: 'version',
  scopePaths: ['tenantId'],
  properties: {
    id: prop.primitive('Edm.Guid', 'id', { path: '_id', sortable: false }),
    channelId: prop.primitive('Edm.String', 'channelId', {
      sortable: false,
      normalizedPath: 'norm.channelId',
    }),
    teamId: prop.primitive('Edm.String', 'teamId', SELECT_ONLY),
    displayName: prop.primitive('Edm.String', 'displayName'),
    entityId: prop.primitive('Edm.String', 'entityId', SELECT_ONLY),
    createdDateTime: prop.primitive('Edm.DateTimeOffset', 'createdDateTime'),
    lastModifiedDateTime: prop.primitive('Edm.DateTimeOffset', 'lastModifiedDateTime', SELECT_ONLY),
  },
  alwaysProject: ['version'],
  indexes: [
    [
      ['tenantId', 1],
      ['_id', 1],
    ],
    [
      ['tenantId', 1],
      ['norm.channelId', 1],
      ['_id', 1],
    ],
    [
      ['tenantId', 1],
      ['norm.displayName', 1],
      ['_id', 1],
    ],
    [
      ['tenantId', 1],
      ['createdDateTime', 1],
      ['_id', 1],
    ],
  ],
});
