import type { MongoFilter } from './entity-model';
import type { SortKey } from './orderby';

/**
 * The rows strictly after `values` in the order of `keys` (the last key is the unique id):
 * `(k1 after v1) or (k1 = v1 and k2 after v2) or …`, with null as the lowest value (MongoDB's order):
 * - `k = null` is `{k: {$eq: null}}`, which also matches missing fields (they sort as null);
 * - ascending, after null: any non-null value; after v: `$gt v` (never null);
 * - descending, after null: nothing; after v: `$lt v` or null.
 */
export function keysetCondition(keys: SortKey[], values: unknown[]): MongoFilter {
  const branches: MongoFilter[] = [];
  for (let i = 0; i < keys.length; i++) {
    const after = afterValue(keys[i], values[i]);
    if (!after) continue;
    const equalities = keys.slice(0, i).map((key, j) => ({ [key.path]: { $eq: values[j] ?? null } }));
    branches.push(equalities.length ? { $and: [...equalities, after] } : after);
  }
  if (!branches.length) return { [keys[0].path]: { $in: [] } };
  return branches.length === 1 ? branches[0] : { $or: branches };
}

function afterValue(key: SortKey, value: unknown): MongoFilter | undefined {
  const isNull = value === null || value === undefined;
  if (key.direction === 1) return isNull ? { [key.path]: { $ne: null } } : { [key.path]: { $gt: value } };
  if (isNull) return undefined;
  return { $or: [{ [key.path]: { $lt: value } }, { [key.path]: { $eq: null } }] };
}
