import {
  defineEntityModel,
  type EntityModel,
  type IndexDefinition,
  type PropertyModel,
} from '../../src/odata';

/**
 * A small tenant-scoped entity for the OData engine's unit tests: ids in `_id`, scoped by `tenantId`, and no
 * list indexes unless the test is about them. Only what the test is about is left to write.
 */
export function tenantEntityModel(
  name: string,
  entitySet: string,
  properties: Record<string, PropertyModel>,
  indexes: IndexDefinition[] = [],
): EntityModel {
  return defineEntityModel({ name, entitySet, idPath: '_id', scopePaths: ['tenantId'], indexes, properties });
}
