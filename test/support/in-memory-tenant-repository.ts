import type { FilterQuery, ProjectionType, UpdateQuery } from 'mongoose';
import sift from 'sift';
import type {
  FindOptions,
  TenantListOptions,
  TenantOwned,
  TenantRepository,
  TenantScope,
} from '../../src/common/persistence/tenant-scope';

/**
 * An in-memory {@link TenantRepository} for unit tests of services: documents of every tenant in one
 * array, filters evaluated with MongoDB's semantics (sift), the update operators services use ($set,
 * $unset, $inc, $addToSet, $pull, and $setOnInsert on upsert), duplicate ids refused with code
 * 11000 as the database does. OData lists and aggregates are the database's business: e2e tests cover them.
 */
export class InMemoryTenantRepository<
  T extends TenantOwned & { _id: string },
> implements TenantRepository<T> {
  readonly documents: T[] = [];

  /** Stores documents as they are (tenant included), for a test's starting state. */
  seed(...documents: T[]): this {
    for (const document of documents) this.documents.push(clone(document));
    return this;
  }

  /** The stored document with this id (any tenant), as stored. */
  stored(id: string): T | undefined {
    return this.documents.find((document) => document._id === id);
  }

  forTenant(tenantId: string): TenantScope<T> {
    if (!tenantId) throw new Error('a tenant scope needs a tenant');
    return new InMemoryTenantScope(this, tenantId);
  }

  async claimAcrossTenants(
    filter: FilterQuery<T>,
    update: UpdateQuery<T>,
    sort: Record<string, 1 | -1>,
  ): Promise<T | null> {
    const [first] = sorted(this.documents.filter(matcher(filter)), sort);
    if (!first) return null;
    applyUpdate(first, update, false);
    return clone(first);
  }
}

class InMemoryTenantScope<T extends TenantOwned & { _id: string }> implements TenantScope<T> {
  constructor(
    private readonly repository: InMemoryTenantRepository<T>,
    readonly tenantId: string,
  ) {}

  filter(filter: FilterQuery<T> = {}): FilterQuery<T> {
    return { ...filter, tenantId: this.tenantId };
  }

  private matching(filter: FilterQuery<T> = {}): T[] {
    return this.repository.documents.filter(matcher(this.filter(filter)));
  }

  async find(filter: FilterQuery<T> = {}, options: FindOptions<T> = {}): Promise<T[]> {
    let found = sorted(this.matching(filter), options.sort ?? {});
    if (options.skip) found = found.slice(options.skip);
    if (options.limit) found = found.slice(0, options.limit);
    return found.map((document) => project(document, options.projection));
  }

  cursor<R = T>(filter: FilterQuery<T>, options: FindOptions<T> & { batchSize: number }): AsyncIterable<R> {
    const found = this.find(filter, options);
    return (async function* () {
      for (const document of await found) yield document as unknown as R;
    })();
  }

  async findOne(filter: FilterQuery<T>, projection?: ProjectionType<T>): Promise<T | null> {
    const [first] = this.matching(filter);
    return first ? project(first, projection) : null;
  }

  findById(id: string, projection?: ProjectionType<T>): Promise<T | null> {
    return this.findOne({ _id: id }, projection);
  }

  async count(filter: FilterQuery<T> = {}): Promise<number> {
    return this.matching(filter).length;
  }

  async exists(filter: FilterQuery<T>): Promise<boolean> {
    return this.matching(filter).length > 0;
  }

  async insert(document: Omit<T, 'tenantId'>): Promise<T> {
    const stored = { ...clone(document), tenantId: this.tenantId } as T;
    if (this.repository.stored(stored._id)) throw duplicateKey();
    this.repository.documents.push(stored);
    return clone(stored);
  }

  async insertMany(
    documents: Array<Omit<T, 'tenantId'>>,
    options: { ordered?: boolean } = {},
  ): Promise<number> {
    const writeErrors: Array<{ code: number }> = [];
    let inserted = 0;
    for (const document of documents) {
      try {
        await this.insert(document);
        inserted++;
      } catch (error) {
        if (options.ordered ?? true) throw error;
        writeErrors.push({ code: 11000 });
      }
    }
    if (writeErrors.length) throw Object.assign(duplicateKey(), { writeErrors });
    return inserted;
  }

  async updateOne(
    filter: FilterQuery<T>,
    update: UpdateQuery<T>,
  ): Promise<{ matched: number; modified: number }> {
    const [first] = this.matching(filter);
    if (!first) return { matched: 0, modified: 0 };
    return { matched: 1, modified: applyUpdate(first, update, false) ? 1 : 0 };
  }

  async bulkUpdate(updates: Array<{ filter: FilterQuery<T>; update: UpdateQuery<T> }>): Promise<number> {
    let matched = 0;
    for (const { filter, update } of updates) matched += (await this.updateOne(filter, update)).matched;
    return matched;
  }

  async updateMany(
    filter: FilterQuery<T>,
    update: UpdateQuery<T>,
  ): Promise<{ matched: number; modified: number }> {
    const found = this.matching(filter);
    const modified = found.filter((document) => applyUpdate(document, update, false)).length;
    return { matched: found.length, modified };
  }

  async findOneAndUpdate(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<T | null> {
    const [first] = this.matching(filter);
    if (!first) return null;
    applyUpdate(first, update, false);
    return clone(first);
  }

  async upsert(filter: FilterQuery<T>, update: UpdateQuery<T>): Promise<T> {
    const [first] = this.matching(filter);
    if (first) {
      applyUpdate(first, update, false);
      return clone(first);
    }
    const equalities = Object.entries(this.filter(filter)).filter(
      ([key, value]) => !key.startsWith('$') && !isOperatorObject(value),
    );
    const created = clone(Object.fromEntries(equalities)) as T;
    applyUpdate(created, update, true);
    this.repository.documents.push(created);
    return clone(created);
  }

  async deleteOne(filter: FilterQuery<T>): Promise<number> {
    const [first] = this.matching(filter);
    if (!first) return 0;
    this.repository.documents.splice(this.repository.documents.indexOf(first), 1);
    return 1;
  }

  async deleteMany(filter: FilterQuery<T> = {}): Promise<number> {
    const found = this.matching(filter);
    for (const document of found) {
      this.repository.documents.splice(this.repository.documents.indexOf(document), 1);
    }
    return found.length;
  }

  aggregate<R>(): Promise<R[]> {
    return Promise.reject(new Error('aggregate is not part of the in-memory repository'));
  }

  list<R>(_query: unknown, _options: TenantListOptions<T, R>): Promise<never> {
    return Promise.reject(new Error('OData lists are not part of the in-memory repository'));
  }
}

/**
 * A deep copy, as the database hands out: Dates stay Dates of this realm (structuredClone would make them
 * Dates of Node's own realm under jest, which sift no longer compares as dates).
 */
function clone<V>(value: V): V {
  if (value instanceof Date) return new Date(value.getTime()) as V;
  if (Array.isArray(value)) return value.map((element) => clone(element)) as V;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, clone(inner)])) as V;
  }
  return value;
}

function matcher<T>(filter: FilterQuery<T>): (document: T) => boolean {
  return sift(filter as Parameters<typeof sift>[0]) as (document: T) => boolean;
}

function duplicateKey(): Error {
  return Object.assign(new Error('E11000 duplicate key error'), { code: 11000 });
}

function isOperatorObject(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Date) &&
    Object.keys(value).some((key) => key.startsWith('$'))
  );
}

function sorted<T>(documents: T[], sort: Record<string, 1 | -1>): T[] {
  const keys = Object.entries(sort);
  return [...documents].sort((left, right) => {
    for (const [path, direction] of keys) {
      const a = valueAt(left, path) as any;
      const b = valueAt(right, path) as any;
      if (a < b) return -direction;
      if (a > b) return direction;
    }
    return 0;
  });
}

function valueAt(document: unknown, path: string): unknown {
  let current: any = document;
  for (const segment of path.split('.')) current = current?.[segment];
  return current;
}

/** Sets a dotted path, creating the objects on the way. */
function setAt(document: any, path: string, value: unknown): void {
  const segments = path.split('.');
  let current = document;
  for (const segment of segments.slice(0, -1)) {
    if (current[segment] === undefined || current[segment] === null) current[segment] = {};
    current = current[segment];
  }
  current[segments[segments.length - 1]] = value;
}

function unsetAt(document: any, path: string): void {
  const segments = path.split('.');
  const parent = valueAt(document, segments.slice(0, -1).join('.')) as any;
  const target = segments.length === 1 ? document : parent;
  if (target && typeof target === 'object') delete target[segments[segments.length - 1]];
}

/** Applies an update in place; true when the document changed. */
function applyUpdate(document: any, update: Record<string, any>, inserting: boolean): boolean {
  const before = JSON.stringify(document);
  for (const [operator, fields] of Object.entries(update)) {
    for (const [path, value] of Object.entries(fields as Record<string, any>)) {
      const current = valueAt(document, path) as any;
      switch (operator) {
        case '$set':
          setAt(document, path, clone(value));
          break;
        case '$setOnInsert':
          if (inserting) setAt(document, path, clone(value));
          break;
        case '$unset':
          unsetAt(document, path);
          break;
        case '$inc':
          setAt(document, path, (current ?? 0) + value);
          break;
        case '$addToSet':
          if (!Array.isArray(current)) setAt(document, path, [value]);
          else if (!current.some((element) => JSON.stringify(element) === JSON.stringify(value)))
            current.push(value);
          break;
        case '$pull':
          if (Array.isArray(current))
            setAt(
              document,
              path,
              current.filter((element) => JSON.stringify(element) !== JSON.stringify(value)),
            );
          break;
        default:
          throw new Error(`${operator} is not part of the in-memory repository`);
      }
    }
  }
  return JSON.stringify(document) !== before;
}

/** MongoDB's projections as services use them: all inclusions (`_id` kept) or all exclusions. */
function project<T>(document: T, projection?: ProjectionType<T>): T {
  const copy = clone(document) as any;
  const entries = Object.entries((projection ?? {}) as Record<string, 0 | 1>);
  if (entries.length === 0) return copy;
  if (entries.every(([, value]) => !value)) {
    for (const [path] of entries) unsetAt(copy, path);
    return copy;
  }
  const picked: any = { _id: copy._id };
  for (const [path, value] of entries) if (value) pick(copy, picked, path.split('.'));
  return picked;
}

function pick(source: any, target: any, segments: string[]): void {
  const [head, ...rest] = segments;
  if (source === null || typeof source !== 'object' || !(head in source)) return;
  const value = source[head];
  if (rest.length === 0) {
    target[head] = value;
  } else if (Array.isArray(value)) {
    target[head] = value.map((element) => {
      const inner = {};
      pick(element, inner, rest);
      return inner;
    });
  } else {
    target[head] ??= {};
    pick(value, target[head], rest);
  }
}
