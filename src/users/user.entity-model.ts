import { defineEntityModel, prop } from '../odata';

const SELECT_ONLY = { filterable: false, sortable: false } as const;

/**
 * What `GET /api/v1/users` may filter, sort and select. Text compares case- and accent-insensitively
 * through the `norm.*` keys the service stores at each login; every list runs within the caller's tenant.
 */
export const userModel = defineEntityModel({
  name: 'user',
  entitySet: 'users',
  idPath: 'userId',
  scopePaths: ['tenantId'],
  properties: {
    id: prop.primitive('Edm.Guid', 'id', { path: 'userId', sortable: false }),
    tenantId: prop.primitive('Edm.Guid', 'tenantId', SELECT_ONLY),
    displayName: prop.primitive('Edm.String', 'displayName'),
    userPrincipalName: prop.primitive('Edm.String', 'userPrincipalName'),
    mail: prop.primitive('Edm.String', 'mail'),
    jobTitle: prop.primitive('Edm.String', 'jobTitle', SELECT_ONLY),
    department: prop.primitive('Edm.String', 'department', SELECT_ONLY),
    officeLocation: prop.primitive('Edm.String', 'officeLocation', SELECT_ONLY),
    businessPhones: prop.collection('Edm.String', 'businessPhones', SELECT_ONLY),
    lastLoginDateTime: prop.primitive('Edm.DateTimeOffset', 'lastLoginDateTime'),
    createdDateTime: prop.primitive('Edm.DateTimeOffset', 'createdDateTime', SELECT_ONLY),
  },
  indexes: [
    [
      ['tenantId', 1],
      ['userId', 1],
    ],
    [
      ['tenantId', 1],
      ['norm.displayName', 1],
      ['userId', 1],
    ],
    [
      ['tenantId', 1],
      ['norm.userPrincipalName', 1],
      ['userId', 1],
    ],
    [
      ['tenantId', 1],
      ['norm.mail', 1],
      ['userId', 1],
    ],
    [
      ['tenantId', 1],
      ['lastLoginDateTime', 1],
      ['userId', 1],
    ],
  ],
});
