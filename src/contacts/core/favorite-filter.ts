import { types } from 'node:util';
import type { MongoFilter } from '../../odata';
import { FAVORITED_BY_PATH, IS_FAVORITE_PATH } from './contact.entity-model';

/**
 * `isFavorite` is the caller's own mark, stored as the caller's id in the contact's `favoritedBy` array.
 * The OData engine translates `isFavorite eq true` (and `not isFavorite`, `isFavorite in (…)`, …) against
 * a path that is stored nowhere; this rewrites each such condition for one user:
 * true → `{ favoritedBy: userId }` (served by the `(tenantId, tabId, favoritedBy, _id)` index),
 * false → `{ favoritedBy: { $ne: userId } }`. The property is never null, so a condition is decided by
 * which of true and false it accepts.
 */
export function favoriteFilterFor(filter: MongoFilter | undefined, userId: string): MongoFilter | undefined {
  return filter === undefined ? undefined : (rewrite(filter, userId) as MongoFilter);
}

const MATCH_NOTHING: MongoFilter = { _id: { $in: [] } };
const MATCH_ALL: MongoFilter = { _id: { $exists: true } };

function rewrite(node: unknown, userId: string): unknown {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, userId));
  if (!node || typeof node !== 'object' || types.isDate(node) || types.isRegExp(node)) return node;
  const entries = Object.entries(node as Record<string, unknown>);
  if (!entries.some(([key]) => key === IS_FAVORITE_PATH)) {
    return Object.fromEntries(entries.map(([key, value]) => [key, rewrite(value, userId)]));
  }
  const rest = Object.fromEntries(
    entries.filter(([key]) => key !== IS_FAVORITE_PATH).map(([key, value]) => [key, rewrite(value, userId)]),
  );
  const condition = (node as Record<string, unknown>)[IS_FAVORITE_PATH];
  const acceptsTrue = accepts(condition, true);
  const acceptsFalse = accepts(condition, false);
  const favorite: MongoFilter =
    acceptsTrue && acceptsFalse
      ? MATCH_ALL
      : acceptsTrue
        ? { [FAVORITED_BY_PATH]: userId }
        : acceptsFalse
          ? { [FAVORITED_BY_PATH]: { $ne: userId } }
          : MATCH_NOTHING;
  return Object.keys(rest).length ? { $and: [rest, favorite] } : favorite;
}

/** Whether a translated condition on a Boolean matches `value` (false sorts before true, as in MongoDB). */
function accepts(condition: unknown, value: boolean): boolean {
  if (condition === null || typeof condition !== 'object') return condition === value;
  return Object.entries(condition as Record<string, unknown>).every(([operator, operand]) => {
    switch (operator) {
      case '$eq':
        return operand === value;
      case '$ne':
        return operand !== value;
      case '$in':
        return Array.isArray(operand) && operand.includes(value);
      case '$nin':
        return Array.isArray(operand) && !operand.includes(value);
      case '$gt':
        return typeof operand === 'boolean' && Number(value) > Number(operand);
      case '$gte':
        return typeof operand === 'boolean' && Number(value) >= Number(operand);
      case '$lt':
        return typeof operand === 'boolean' && Number(value) < Number(operand);
      case '$lte':
        return typeof operand === 'boolean' && Number(value) <= Number(operand);
      case '$exists':
        return operand === true;
      default:
        throw new Error(`isFavorite: the OData engine produced an unexpected operator ${operator}`);
    }
  });
}
