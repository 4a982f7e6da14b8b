import mongoose, { Model, Schema } from 'mongoose';
import { MongooseTenantRepository, tenantScoped, TenantScopeError } from './tenant-scope';

interface Note {
  _id: string;
  tenantId: string;
  text: string;
}

const TENANT_A = '11111111-1111-4111-8111-111111111111';

describe('tenant scope', () => {
  // Never connected and never buffering: whatever passes the plugin fails in the driver with another error.
  const connection = mongoose.createConnection();
  const schema = new Schema<Note>(
    { _id: String, tenantId: String, text: String },
    { autoCreate: false, autoIndex: false, bufferCommands: false },
  );
  schema.plugin(tenantScoped);
  const Notes: Model<Note> = connection.model<Note>('Note', schema);

  afterAll(() => connection.close());

  it.each([
    ['find', () => Notes.find({ text: 'a' }).exec()],
    ['findOne', () => Notes.findOne({ _id: 'x' }).exec()],
    ['findById', () => Notes.findById('x').exec()],
    ['countDocuments', () => Notes.countDocuments({}).exec()],
    ['distinct', () => Notes.distinct('text').exec()],
    ['updateOne', () => Notes.updateOne({ _id: 'x' }, { $set: { text: 'b' } }).exec()],
    ['updateMany', () => Notes.updateMany({}, { $set: { text: 'b' } }).exec()],
    ['findOneAndUpdate', () => Notes.findOneAndUpdate({ _id: 'x' }, { text: 'b' }).exec()],
    ['findOneAndDelete', () => Notes.findOneAndDelete({ _id: 'x' }).exec()],
    ['replaceOne', () => Notes.replaceOne({ _id: 'x' }, { text: 'b' }).exec()],
    ['deleteOne', () => Notes.deleteOne({ _id: 'x' }).exec()],
    ['deleteMany', () => Notes.deleteMany({}).exec()],
    ['a tenantId that is not a string', () => Notes.find({ tenantId: { $ne: 'x' } }).exec()],
    ['a tenant only inside $or', () => Notes.find({ $or: [{ tenantId: TENANT_A }, { text: 'a' }] }).exec()],
    [
      'a tenant condition beside a non-string tenantId',
      () => Notes.find({ tenantId: { $exists: true }, $and: [{ tenantId: TENANT_A }] }).exec(),
    ],
    ['estimatedDocumentCount', () => Notes.estimatedDocumentCount().exec()],
    ['aggregate without a leading $match', () => Notes.aggregate([{ $sort: { text: 1 } }]).exec()],
    ['aggregate matching no tenant', () => Notes.aggregate([{ $match: { text: 'a' } }]).exec()],
    [
      'aggregate with $lookup',
      () =>
        Notes.aggregate([
          { $match: { tenantId: TENANT_A } },
          { $lookup: { from: 'x', as: 'y' } } as any,
        ]).exec(),
    ],
    [
      'aggregate with $unionWith in a $facet',
      () =>
        Notes.aggregate([
          { $match: { tenantId: TENANT_A } },
          { $facet: { all: [{ $unionWith: 'other' }] } } as any,
        ]).exec(),
    ],
    ['insertMany without a tenant', () => Notes.insertMany([{ _id: 'x', text: 'a' }])],
    ['create without a tenant', () => Notes.create({ _id: 'x', text: 'a' })],
    ['bulkWrite without a tenant', () => Notes.bulkWrite([{ deleteOne: { filter: { _id: 'x' } } }])],
    [
      'an update that moves a document to another tenant',
      () => Notes.updateOne({ tenantId: TENANT_A, _id: 'x' }, { $set: { tenantId: 'other' } }).exec(),
    ],
    [
      'an update that unsets the tenant',
      () => Notes.updateOne({ tenantId: TENANT_A, _id: 'x' }, { $unset: { tenantId: 1 } }).exec(),
    ],
    [
      'a replacement with another tenant',
      () => Notes.replaceOne({ tenantId: TENANT_A, _id: 'x' }, { tenantId: 'other', text: 'b' }).exec(),
    ],
  ])('refuses %s before the driver is called', async (_label, run) => {
    await expect(run()).rejects.toBeInstanceOf(TenantScopeError);
  });

  it('lets scoped operations through to the driver', async () => {
    const scope = new MongooseTenantRepository(Notes).forTenant(TENANT_A);
    const operations = [
      scope.find({ text: 'a' }),
      scope.findById('x'),
      scope.count(),
      scope.updateOne({ _id: 'x' }, { $set: { text: 'b' } }),
      scope.upsert({ _id: 'x' }, { $set: { text: 'b' } }),
      scope.deleteMany(),
      scope.aggregate([{ $sort: { text: 1 } }]),
      scope.insert({ _id: 'x', text: 'a' }),
      Notes.find({ $and: [{ tenantId: TENANT_A }, { $or: [{ text: 'a' }, { text: 'b' }] }] }).exec(),
    ];
    for (const operation of operations) {
      const error = await operation.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeDefined();
      expect(error).not.toBeInstanceOf(TenantScopeError);
    }
  });

  it('puts the tenant in every filter, over any tenant the filter names', () => {
    const scope = new MongooseTenantRepository(Notes).forTenant(TENANT_A);
    expect(scope.filter({ text: 'a' })).toEqual({ text: 'a', tenantId: TENANT_A });
    expect(scope.filter({ tenantId: 'other' } as any)).toEqual({ tenantId: TENANT_A });
  });

  it('refuses a scope without a tenant and a model without the plugin', () => {
    expect(() => new MongooseTenantRepository(Notes).forTenant('')).toThrow(TenantScopeError);
    const plain = connection.model('Plain', new Schema({ tenantId: String }));
    expect(() => new MongooseTenantRepository(plain as any)).toThrow(TenantScopeError);
  });
});
