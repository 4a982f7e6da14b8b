import type {
  Aggregate,
  AnyBulkWriteOperation,
  FilterQuery,
  Model,
  MongooseQueryMiddleware,
  PipelineStage,
  ProjectionType,
  Query,
  Schema,
  UpdateQuery,
} from 'mongoose';
import { runODataQuery, type ODataCollection } from '../../odata/odata-collection';
import type { ParsedODataQuery } from '../../odata/odata-query';

/**
 * Tenant isolation for tenant-owned collections, in two layers:
 * - {@link TenantRepository} is how services read and write: `repository.forTenant(user.tenantId)` gives a
 *   {@link TenantScope} that adds the tenant to every filter, insert, update, delete, count, aggregate and
 *   OData list; services receive repositories from DI (tenant-repository.providers.ts), never a model;
 * - the {@link tenantScoped} schema plugin refuses, before anything reaches the database, any operation
 *   on the model that names no tenant (a forgotten scope is an error, never a cross-tenant read).
 * An id of another tenant is therefore simply not found: services answer 404, as for an unknown id.
 */

/** A programming error: an operation on a tenant-owned model without a tenant. */
export class TenantScopeError extends Error {
  override readonly name = 'TenantScopeError';
}

/** The documents of a tenant-owned collection carry their tenant. */
export interface TenantOwned {
  tenantId: string;
}

const TENANT_SCOPED = Symbol('contactPro.tenantScoped');

const QUERY_OPERATIONS: MongooseQueryMiddleware[] = [
  'countDocuments',
  'distinct',
  'find',
  'findOne',
  'findOneAndDelete',
  'findOneAndReplace',
  'findOneAndUpdate',
  'replaceOne',
  'updateMany',
  'updateOne',
  'deleteMany',
  'deleteOne',
];

/** Stages that read or write another collection: a tenant filter on this one would not hold there. */
const CROSS_COLLECTION_STAGES = new Set(['$lookup', '$graphLookup', '$unionWith', '$out', '$merge']);

/** The tenant a filter pins: `tenantId: '<id>'` at its top, or in a member of a top-level `$and`. */
function tenantOf(filter: unknown): string | undefined {
  if (!filter || typeof filter !== 'object') return undefined;
  const { tenantId, $and } = filter as { tenantId?: unknown; $and?: unknown };
  if (typeof tenantId === 'string' && tenantId !== '') return tenantId;
  if (tenantId !== undefined || !Array.isArray($and)) return undefined;
  for (const member of $and) {
    const scoped = tenantOf(member);
    if (scoped) return scoped;
  }
  return undefined;
}

/** An update may not move a document to another tenant (or drop its tenant). */
function checkUpdate(update: unknown, tenantId: string, operation: string): void {
  if (!update || typeof update !== 'object') return;
  for (const [key, value] of Object.entries(update as Record<string, unknown>)) {
    if (key === 'tenantId' && value !== tenantId) {
      throw new TenantScopeError(`${operation} would change the tenant of a document`);
    }
    if (key.startsWith('$') && value && typeof value === 'object' && 'tenantId' in value) {
      const target = (value as Record<string, unknown>).tenantId;
      if (key !== '$set' && key !== '$setOnInsert') {
        throw new TenantScopeError(`${operation} may not apply ${key} to tenantId`);
      }
      if (target !== tenantId)
        throw new TenantScopeError(`${operation} would change the tenant of a document`);
    }
  }
}

function checkPipeline(pipeline: readonly unknown[], operation: string): void {
  for (const stage of pipeline) {
    for (const [name, body] of Object.entries(stage as Record<string, unknown>)) {
      if (CROSS_COLLECTION_STAGES.has(name)) throw new TenantScopeError(`${operation} may not use ${name}`);
      if (name === '$facet' && body && typeof body === 'object') {
        for (const inner of Object.values(body as Record<string, unknown[]>)) checkPipeline(inner, operation);
      }
    }
  }
}

/**
 * Schema plugin of every tenant-owned model: the tenant is the shard key (so a document's own save and
 * deleteOne name it too), and every operation without a tenant throws a {@link TenantScopeError} before
 * the driver is called. Writing through `model.collection` bypasses mongoose, and so this check: only
 * {@link TenantRepository.claimAcrossTenants} does, on purpose.
 */
export function tenantScoped(schema: Schema): void {
  schema.set('shardKey', { tenantId: 1 });
  (schema as unknown as Record<symbol, boolean>)[TENANT_SCOPED] = true;

  schema.pre(QUERY_OPERATIONS, function (this: Query<unknown, unknown>) {
    const operation = `${this.model.modelName}.${(this as unknown as { op?: string }).op ?? 'query'}`;
    const tenantId = tenantOf(this.getFilter());
    if (!tenantId) throw new TenantScopeError(`${operation} without a tenant`);
    checkUpdate(this.getUpdate(), tenantId, operation);
  });
  schema.pre('estimatedDocumentCount', function (this: Query<unknown, unknown>) {
    throw new TenantScopeError(`${this.model.modelName}.estimatedDocumentCount counts every tenant`);
  });
  schema.pre('aggregate', function (this: Aggregate<unknown>) {
    const operation = `${(this.model() as Model<unknown>).modelName}.aggregate`;
    const [first] = this.pipeline() as Array<{ $match?: unknown }>;
    if (!first?.$match || !tenantOf(first.$match)) {
      throw new TenantScopeError(`${operation} must start with a $match on the tenant`);
    }
    checkPipeline(this.pipeline(), operation);
  });
  schema.pre('insertMany', function (this: Model<unknown>, next: (error?: Error) => void, docs: unknown) {
    const list = Array.isArray(docs) ? docs : [docs];
    if (list.some((doc) => !tenantOf(doc))) {
      return next(new TenantScopeError(`${this.modelName}.insertMany with a document without a tenant`));
    }
    next();
  });
  schema.pre(
    'bulkWrite',
    function (this: Model<unknown>, next: (error?: Error) => void, ops: AnyBulkWriteOperation[]) {
      for (const op of ops) {
        const [kind, body] = Object.entries(op)[0] as [string, Record<string, unknown>];
        const scoped = kind === 'insertOne' ? tenantOf(body.document) : tenantOf(body.filter);
        if (!scoped)
          return next(new TenantScopeError(`${this.modelName}.bulkWrite ${kind} without a tenant`));
        checkUpdate(body.update ?? body.replacement, scoped, `${this.modelName}.bulkWrite ${kind}`);
      }
      next();
    },
  );
  schema.pre('save', function () {
    if (!tenantOf(this)) throw new TenantScopeError(`saving a ${this.constructor.name} without a tenant`);
  });
}

/** True when the schema uses {@link tenantScoped}. */
export function isTenantScoped(schema: Schema): boolean {
  return (schema as unknown as Record<symbol, boolean>)[TENANT_SCOPED] === true;
}

/** What a read returns of the matching documents, and in which order. */
export interface FindOptions<T> {
  projection?: ProjectionType<T>;
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
}

/** How {@link TenantScope.list} narrows and renders an OData list. */
export interface TenantListOptions<T, R> {
  /** More of the scope than the tenant, e.g. `{ tabId }`. */
  within?: FilterQuery<T>;
  /** Maps a stored document to the API shape. */
  toResource: (document: Record<string, any>) => R;
  /** Secret that signs `$skiptoken` (the configured paging secret). */
  skiptokenSecret: string | Buffer;
}

/**
 * The repository of a tenant-owned collection, as services receive it (`@InjectTenantRepository(name)`):
 * every operation goes through `forTenant(tenantId)`. Unit tests give services an in-memory one.
 */
export interface TenantRepository<T extends TenantOwned> {
  forTenant(tenantId: string): TenantScope<T>;
  /**
   * The one operation across tenants, for work that any instance picks up for any tenant (the job claim):
   * updates the first document that matches `filter` in `sort` order and returns it as it is afterwards,
   * or null. The update may not touch the tenant; everything after it goes through `forTenant`.
   */
  claimAcrossTenants(
    filter: FilterQuery<T>,
    update: UpdateQuery<T>,
    sort: Record<string, 1 | -1>,
  ): Promise<T | null>;
}

/** What an update did: documents its filter matched, and those it changed. */
export interface UpdateCounts {
  matched: number;
  modified: number;
}

/** The operations of one tenant on a tenant-owned collection; results are plain objects. */
export interface TenantScope<T extends TenantOwned> {
  readonly tenantId: string;
  /** The filter narrowed to the tenant; a `tenantId` the filter names itself is replaced. */
  filter(filter?: FilterQuery<T>): FilterQuery<T>;
  find(filter?: FilterQuery<T>, options?: FindOptions<T>): Promise<T[]>;
  /** Streams the matching documents in batches of `batchSize`, for reads too large to hold at once. */
  cursor<R = T>(filter: FilterQuery<T>, options: FindOptions<T> & { batchSize: number }): AsyncIterable<R>;
  findOne(filter: FilterQuery<T>, projection?: ProjectionType<T>): Promise<T | null>;
  findById(id: string, projection?: ProjectionType<T>): Promise<T | null>;
  count(filter?: FilterQuery<T>): Promise<number>;
  exists(filter: FilterQuery<T>): Promise<boolean>;
  insert(document: Omit<T, 'tenantId'>): Promise<T>;
  /** Inserts in order, stopping at the first failure; unordered (`ordered: false`) tries every document. */
  insertMany(documents: Array<Omit<T, 'tenantId'>>, options?: { ordered?: boolean }): Promise<number>;
  updateOne(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<UpdateCounts>;
  /** Applies each update to the one document its filter matches, unordered; returns how many matched. */
  bulkUpdate(updates: Array<{ filter: FilterQuery<T>; update: UpdateQuery<T> }>): Promise<number>;
  updateMany(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<UpdateCounts>;
  /** Updates one document and returns it as it is afterwards, or null when none matched. */
  findOneAndUpdate(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<T | null>;
  /** Updates the matching document or inserts one (with the filter's equalities, the tenant among them). */
  upsert(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<T>;
  deleteOne(filter: FilterQuery<T>): Promise<number>;
  deleteMany(filter?: FilterQuery<T>): Promise<number>;
  /** Runs a pipeline on the tenant's documents only: a `$match` on the tenant comes first. */
  aggregate<R>(pipeline: PipelineStage[]): Promise<R[]>;
  /** One page of an OData list of the tenant's documents (`within` narrows it further), rendered. */
  list<R>(query: ParsedODataQuery, options: TenantListOptions<T, R>): Promise<ODataCollection<R>>;
}

/** The {@link TenantRepository} of a mongoose model (whose schema must use {@link tenantScoped}). */
export class MongooseTenantRepository<T extends TenantOwned> implements TenantRepository<T> {
  constructor(readonly model: Model<T>) {
    if (!isTenantScoped(model.schema)) {
      throw new TenantScopeError(`${model.modelName}: a tenant-owned schema needs the tenantScoped plugin`);
    }
  }

  forTenant(tenantId: string): TenantScope<T> {
    return new MongooseTenantScope(this.model, tenantId);
  }

  async claimAcrossTenants(
    filter: FilterQuery<T>,
    update: UpdateQuery<T>,
    sort: Record<string, 1 | -1>,
  ): Promise<T | null> {
    checkUpdate(update, '', `${this.model.modelName}.claimAcrossTenants`);
    // The tenant-scoped model refuses a filter without a tenant: this one goes to the collection itself.
    return this.model.collection.findOneAndUpdate(filter as Record<string, unknown>, update, {
      returnDocument: 'after',
      sort,
    }) as unknown as Promise<T | null>;
  }
}

/** The {@link TenantScope} of a mongoose model. */
class MongooseTenantScope<T extends TenantOwned> implements TenantScope<T> {
  constructor(
    readonly model: Model<T>,
    readonly tenantId: string,
  ) {
    if (typeof tenantId !== 'string' || tenantId === '')
      throw new TenantScopeError('a tenant scope needs a tenant');
  }

  filter(filter: FilterQuery<T> = {}): FilterQuery<T> {
    return { ...filter, tenantId: this.tenantId };
  }

  find(filter: FilterQuery<T> = {}, options: FindOptions<T> = {}): Promise<T[]> {
    return this.query(filter, options).lean<T[]>().exec();
  }

  cursor<R = T>(filter: FilterQuery<T>, options: FindOptions<T> & { batchSize: number }): AsyncIterable<R> {
    return this.query(filter, options).lean<R>().cursor({ batchSize: options.batchSize }) as AsyncIterable<R>;
  }

  private query(filter: FilterQuery<T>, options: FindOptions<T>) {
    const query = this.model.find(this.filter(filter), options.projection);
    if (options.sort) query.sort(options.sort);
    if (options.skip !== undefined) query.skip(options.skip);
    if (options.limit !== undefined) query.limit(options.limit);
    return query;
  }

  findOne(filter: FilterQuery<T>, projection?: ProjectionType<T>): Promise<T | null> {
    return this.model.findOne(this.filter(filter), projection).lean<T>().exec();
  }

  findById(id: string, projection?: ProjectionType<T>): Promise<T | null> {
    return this.findOne({ _id: id }, projection);
  }

  count(filter: FilterQuery<T> = {}): Promise<number> {
    return this.model.countDocuments(this.filter(filter)).exec();
  }

  async exists(filter: FilterQuery<T>): Promise<boolean> {
    return (await this.model.exists(this.filter(filter)).exec()) !== null;
  }

  async insert(document: Omit<T, 'tenantId'>): Promise<T> {
    const created = await this.model.create({ ...document, tenantId: this.tenantId });
    return created.toObject();
  }

  async insertMany(
    documents: Array<Omit<T, 'tenantId'>>,
    options: { ordered?: boolean } = {},
  ): Promise<number> {
    const inserted = await this.model.insertMany(
      documents.map((document) => ({ ...document, tenantId: this.tenantId })),
      { lean: true, ordered: options.ordered ?? true },
    );
    return inserted.length;
  }

  updateOne(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<UpdateCounts> {
    return this.update('updateOne', filter, update);
  }

  async bulkUpdate(updates: Array<{ filter: FilterQuery<T>; update: UpdateQuery<T> }>): Promise<number> {
    if (updates.length === 0) return 0;
    const result = await this.model.bulkWrite(
      updates.map(({ filter, update }) => ({
        updateOne: { filter: this.filter(filter), update },
      })) as Parameters<Model<T>['bulkWrite']>[0],
      { ordered: false },
    );
    return result.matchedCount;
  }

  updateMany(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<UpdateCounts> {
    return this.update('updateMany', filter, update);
  }

  private async update(
    method: 'updateOne' | 'updateMany',
    filter: FilterQuery<T>,
    update: UpdateQuery<T>,
  ): Promise<UpdateCounts> {
    const result = await this.model[method](this.filter(filter), update).exec();
    return { matched: result.matchedCount, modified: result.modifiedCount };
  }

  findOneAndUpdate(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<T | null> {
    return this.model
      .findOneAndUpdate(this.filter(filter), update, { returnDocument: 'after' })
      .lean<T>()
      .exec();
  }

  async upsert(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<T> {
    const document = await this.model
      .findOneAndUpdate(this.filter(filter), update, { returnDocument: 'after', upsert: true })
      .lean<T>()
      .exec();
    return document;
  }

  async deleteOne(filter: FilterQuery<T>): Promise<number> {
    return (await this.model.deleteOne(this.filter(filter)).exec()).deletedCount;
  }

  async deleteMany(filter: FilterQuery<T> = {}): Promise<number> {
    return (await this.model.deleteMany(this.filter(filter)).exec()).deletedCount;
  }

  aggregate<R>(pipeline: PipelineStage[]): Promise<R[]> {
    return this.model.aggregate<R>([{ $match: { tenantId: this.tenantId } }, ...pipeline]).exec();
  }

  list<R>(query: ParsedODataQuery, options: TenantListOptions<T, R>): Promise<ODataCollection<R>> {
    const { tenantId: _named, ...within } = (options.within ?? {}) as Record<string, unknown>;
    return runODataQuery(this.model, query, {
      baseFilter: { tenantId: this.tenantId, ...within },
      toResource: options.toResource,
      skiptokenSecret: options.skiptokenSecret,
    });
  }
}
