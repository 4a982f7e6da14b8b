import { types } from 'node:util';

/**
 * The only MongoDB operators the engine may emit: those MongoDB, Azure Cosmos DB for MongoDB and
 * FerretDB 1.24 all implement alike. `$options` is tolerated only beside `$regex`.
 */
export const ALLOWED_FILTER_OPERATORS: ReadonlySet<string> = new Set([
  '$and',
  '$or',
  '$nor',
  '$not',
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$regex',
  '$exists',
  '$elemMatch',
  '$all',
]);

/** Every `$` key in a filter (or sort/projection) outside the allow-list, with its location. */
export function findDisallowedOperators(value: unknown, at = ''): string[] {
  if (value === null || typeof value !== 'object' || types.isDate(value)) return [];
  if (Array.isArray(value))
    return value.flatMap((item, index) => findDisallowedOperators(item, `${at}[${index}]`));
  const found: string[] = [];
  const record = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    const here = at ? `${at}.${key}` : key;
    if (key.startsWith('$')) {
      const allowed = ALLOWED_FILTER_OPERATORS.has(key) || (key === '$options' && '$regex' in record);
      if (!allowed) found.push(here);
    }
    found.push(...findDisallowedOperators(child, here));
  }
  return found;
}

/** Throws when a generated document uses an operator outside the allow-list (a bug, never client input). */
export function assertAllowedOperators(value: unknown): void {
  const found = findDisallowedOperators(value);
  if (found.length)
    throw new Error(`OData engine produced disallowed MongoDB operators: ${found.join(', ')}`);
}
