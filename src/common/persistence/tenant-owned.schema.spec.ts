import { Prop } from '@nestjs/mongoose';
import { TenantOwnedDocument, TenantOwnedSchema, tenantOwnedSchemaFor } from './tenant-owned.schema';
import { isTenantScoped } from './tenant-scope';

@TenantOwnedSchema('notes')
class Note extends TenantOwnedDocument {
  @Prop({ required: true })
  text: string;
}

describe('tenant-owned schema', () => {
  const schema = tenantOwnedSchemaFor(Note);

  it('stores the string id and the tenant first, then the fields of the class', () => {
    expect(Object.keys(schema.paths)).toEqual(['_id', 'tenantId', 'text']);
    expect(schema.path('_id').instance).toBe('String');
    expect(schema.path('_id').isRequired).toBe(true);
    expect(schema.path('tenantId').instance).toBe('String');
    expect(schema.path('tenantId').isRequired).toBe(true);
  });

  it('names its collection and keeps no version key', () => {
    expect(schema.get('collection')).toBe('notes');
    expect(schema.get('versionKey')).toBe(false);
  });

  it('is tenant-scoped, sharded by the tenant', () => {
    expect(isTenantScoped(schema)).toBe(true);
    expect(schema.get('shardKey')).toEqual({ tenantId: 1 });
  });
});
