import { assertIndexCoverage } from '../odata';
import { userModel } from './user.entity-model';
import { UserSchema } from './user.schema';

describe('user entity model', () => {
  it('has an index, starting with the tenant, for every list order', () => {
    expect(() => assertIndexCoverage(userModel)).not.toThrow();
  });

  it('declares on the schema every index of the model', () => {
    const declared = UserSchema.indexes().map(([fields]) => JSON.stringify(fields));
    for (const index of userModel.indexes) {
      expect(declared).toContain(JSON.stringify(Object.fromEntries(index)));
    }
    for (const [fields] of UserSchema.indexes()) expect(Object.keys(fields)[0]).toBe('tenantId');
  });
});
