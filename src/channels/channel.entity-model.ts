import { defineEntityModel, prop } from '../odata';

/** What `GET /api/v1/channels` may filter, sort and select; every list runs within the caller's tenant. */
export const channelModel = defineEntityModel({
  name: 'channel',
  entitySet: 'channels',
  idPath: 'channelId',
  scopePaths: ['tenantId'],
  properties: {
    id: prop.primitive('Edm.String', 'id', { path: 'channelId', sortable: false }),
    displayName: prop.primitive('Edm.String', 'displayName'),
    teamId: prop.primitive('Edm.String', 'teamId', { filterable: true, sortable: false }),
    teamName: prop.primitive('Edm.String', 'teamName', { filterable: false, sortable: false }),
    createdDateTime: prop.primitive('Edm.DateTimeOffset', 'createdDateTime', { sortable: false }),
    lastModifiedDateTime: prop.primitive('Edm.DateTimeOffset', 'lastModifiedDateTime', { sortable: false }),
  },
  indexes: [
    [
      ['tenantId', 1],
      ['channelId', 1],
    ],
    [
      ['tenantId', 1],
      ['norm.displayName', 1],
      ['channelId', 1],
    ],
  ],
});
