import {
  findProperty,
  queryPath,
  type EdmPrimitiveType,
  type EntityModel,
  type PrimitivePropertyModel,
} from './entity-model';
import { ODATA_LIMITS } from './limits';
import { odataError, quoteInput } from './odata-error';

/** One key of the effective sort, in database terms. */
export interface SortKey {
  /** OData property name, or `undefined` for the id tie-breaker. */
  name?: string;
  path: string;
  direction: 1 | -1;
  type: EdmPrimitiveType;
}

const ITEM = /^([A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*)(?:[ \t]+(asc|desc))?$/;

/** Parses `$orderby` (`name desc, age`) against the model's sortable properties. */
export function parseOrderBy(text: string | undefined, model: EntityModel): SortKey[] {
  if (text === undefined) return [];
  if (text.length > ODATA_LIMITS.maxOptionLength) {
    throw odataError('$orderby', `$orderby is longer than ${ODATA_LIMITS.maxOptionLength} characters.`);
  }
  const keys: SortKey[] = [];
  let offset = 0;
  for (const part of text.split(',')) {
    const position = offset + (part.length - part.trimStart().length);
    offset += part.length + 1;
    const item = part.trim();
    const match = ITEM.exec(item);
    if (!match) {
      throw odataError(
        '$orderby',
        `Syntax error at position ${position} in $orderby: expected a property name optionally followed by 'asc' or 'desc', found ${quoteInput(item)}.`,
      );
    }
    const name = match[1];
    const property = findProperty(model, name);
    if (!property)
      throw odataError('$orderby', `Could not find a property named '${name}' on type '${model.name}'.`);
    if (property.kind !== 'primitive' || !property.sortable) {
      throw odataError('$orderby', `The property '${name}' cannot be used in $orderby.`);
    }
    if (keys.some((key) => key.name === name))
      throw odataError('$orderby', `The property '${name}' appears twice in $orderby.`);
    keys.push(sortKey(name, property, match[2] === 'desc' ? -1 : 1));
    if (keys.length > ODATA_LIMITS.maxOrderByItems) {
      throw odataError('$orderby', `$orderby may have at most ${ODATA_LIMITS.maxOrderByItems} properties.`);
    }
  }
  return keys;
}

function sortKey(name: string, property: PrimitivePropertyModel, direction: 1 | -1): SortKey {
  return { name, path: queryPath(property), direction, type: property.type };
}

/**
 * The total order a page is read in: the requested keys, then the id in the direction of the last key
 * (so that one index `{…, key: 1, _id: 1}` serves both directions by reverse traversal). Nulls and
 * missing values sort first ascending and last descending, as MongoDB and FerretDB do.
 */
export function effectiveSortKeys(keys: SortKey[], model: EntityModel): SortKey[] {
  if (keys.some((key) => key.path === model.idPath)) return keys;
  const direction = keys.length ? keys[keys.length - 1].direction : 1;
  return [...keys, { path: model.idPath, direction, type: 'Edm.String' }];
}

/** The MongoDB sort document of the effective keys. */
export function sortDocument(keys: SortKey[]): Record<string, 1 | -1> {
  const sort: Record<string, 1 | -1> = {};
  for (const key of keys) sort[key.path] = key.direction;
  return sort;
}
