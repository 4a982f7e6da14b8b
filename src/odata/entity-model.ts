import { types } from 'node:util';
import { normalizeText } from './normalize';

/** The primitive OData types a property may have. */
export type EdmPrimitiveType =
  'Edm.String' | 'Edm.Int32' | 'Edm.Double' | 'Edm.Boolean' | 'Edm.DateTimeOffset' | 'Edm.Date' | 'Edm.Guid';

/** What a query may do with a property; anything not granted is a 400. */
export interface PropertyCapabilities {
  filterable: boolean;
  sortable: boolean;
  selectable: boolean;
  searchable: boolean;
}

/**
 * A primitive property. Storage: Edm.String as a string plus its {@link normalizeText} key at
 * `normalizedPath`; Edm.DateTimeOffset as a BSON date; Edm.Date as a `YYYY-MM-DD` string; Edm.Guid as a
 * lower-case string; numbers and booleans as themselves. Null and missing mean the same (OData null).
 */
export interface PrimitivePropertyModel extends PropertyCapabilities {
  kind: 'primitive';
  type: EdmPrimitiveType;
  /** Database path (dot notation). */
  path: string;
  /** Database path of the normalized key; Edm.String only. */
  normalizedPath?: string;
  /**
   * For an Edm.Boolean stored nowhere and computed for the caller (a contact's `isFavorite`): the stored
   * condition under which the property has `value` for the caller. The filter translator decides which of
   * true and false a condition accepts (such a property is never null) and asks this for each.
   */
  translate?: (value: boolean, context: QueryContext) => MongoFilter;
}

/** A collection of primitives, e.g. `categories`. Elements are never null. */
export interface PrimitiveCollectionModel extends PropertyCapabilities {
  kind: 'collection';
  elementType: EdmPrimitiveType;
  path: string;
  /** For string elements: an array of their normalized keys. */
  normalizedPath?: string;
}

/** A collection of complex values, e.g. `emailAddresses` of `{ address, name }`. */
export interface ComplexCollectionModel extends PropertyCapabilities {
  kind: 'complexCollection';
  path: string;
  /** The same array with string members normalized and other members copied. */
  normalizedPath: string;
  members: Readonly<Record<string, EdmPrimitiveType>>;
  /**
   * Members every element has, never null: the writes guarantee it (e.g. a validated DTO). A lambda can
   * then find an element that violates a condition on one of them (see the filter translator), and
   * `$metadata` declares them not nullable.
   */
  requiredMembers: readonly string[];
}

export type PropertyModel = PrimitivePropertyModel | PrimitiveCollectionModel | ComplexCollectionModel;

/** One declared index: `[path, direction]` pairs, always starting with `tenantId`. */
export type IndexDefinition = ReadonlyArray<readonly [string, 1 | -1]>;

/** A MongoDB filter document produced by this engine or handed to it. */
export type MongoFilter = Record<string, unknown>;

/** Who asks: what a property computed for the caller translates with. */
export interface QueryContext {
  /** The caller's user id. */
  userId: string;
}

/** The declarative description of one entity: nothing outside it is reachable from a query. */
export interface EntityModel {
  /** Type name used in messages, e.g. `contact`. */
  name: string;
  /** Entity set name used in `@odata.context`, e.g. `contacts`. */
  entitySet: string;
  /** Database path of the identifier (a string `_id`). */
  idPath: string;
  /** Database path of the concurrency token, always projected. */
  etagPath?: string;
  /** Exposed properties by OData name (a `/` separates segments, e.g. `customFields/industry`). */
  properties: Readonly<Record<string, PropertyModel>>;
  /** Equality paths every list query of this entity starts with, e.g. `['tenantId', 'tabId']`. */
  scopePaths: readonly string[];
  /** Declared indexes, checked by {@link IndexDefinition} coverage tests. */
  indexes: readonly IndexDefinition[];
  /** `$search` hook: terms (AND semantics) to a filter; absent means `$search` is a 400. */
  search?: (terms: string[]) => MongoFilter;
  /** Further database paths the resource mapping needs whatever `$select` says. */
  alwaysProject?: readonly string[];
}

const ALL_CAPABILITIES: PropertyCapabilities = {
  filterable: true,
  sortable: true,
  selectable: true,
  searchable: false,
};

/** Options accepted by the property builders: capabilities default to everything but `searchable`. */
export type PropertyOptions = Partial<PropertyCapabilities> & {
  path?: string;
  normalizedPath?: string;
  translate?: PrimitivePropertyModel['translate'];
};

/** Options of a complex collection: also the members every element has (none by default). */
export type ComplexCollectionOptions = PropertyOptions & { requiredMembers?: readonly string[] };

/** Shorthand builders so that an entity model reads like a table. */
export const prop = {
  primitive(type: EdmPrimitiveType, name: string, options: PropertyOptions = {}): PrimitivePropertyModel {
    const path = options.path ?? name.replace(/\//g, '.');
    return {
      kind: 'primitive',
      type,
      path,
      normalizedPath: type === 'Edm.String' ? (options.normalizedPath ?? `norm.${path}`) : undefined,
      ...(options.translate ? { translate: options.translate } : {}),
      ...ALL_CAPABILITIES,
      ...pickCapabilities(options),
    };
  },
  collection(
    elementType: EdmPrimitiveType,
    name: string,
    options: PropertyOptions = {},
  ): PrimitiveCollectionModel {
    const path = options.path ?? name.replace(/\//g, '.');
    return {
      kind: 'collection',
      elementType,
      path,
      normalizedPath: elementType === 'Edm.String' ? (options.normalizedPath ?? `norm.${path}`) : undefined,
      ...ALL_CAPABILITIES,
      sortable: false,
      ...pickCapabilities(options),
    };
  },
  complexCollection(
    name: string,
    members: Record<string, EdmPrimitiveType>,
    options: ComplexCollectionOptions = {},
  ): ComplexCollectionModel {
    const path = options.path ?? name.replace(/\//g, '.');
    return {
      kind: 'complexCollection',
      path,
      normalizedPath: options.normalizedPath ?? `norm.${path}`,
      members,
      requiredMembers: Object.freeze([...(options.requiredMembers ?? [])]),
      ...ALL_CAPABILITIES,
      ...pickCapabilities(options),
      sortable: false,
    };
  },
};

function pickCapabilities(options: PropertyOptions): Partial<PropertyCapabilities> {
  const picked: Partial<PropertyCapabilities> = {};
  for (const key of ['filterable', 'sortable', 'selectable', 'searchable'] as const) {
    if (options[key] !== undefined) picked[key] = options[key];
  }
  return picked;
}

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Checks a model once at start-up so that a typo in a declaration fails loudly, not per request. */
export function defineEntityModel(model: EntityModel): EntityModel {
  for (const [name, property] of Object.entries(model.properties)) {
    if (!PROPERTY_NAME.test(name)) throw new Error(`${model.name}: invalid property name '${name}'`);
    if (property.kind === 'primitive' && property.type === 'Edm.String' && !property.normalizedPath) {
      throw new Error(`${model.name}.${name}: a string property needs a normalizedPath`);
    }
    if (property.kind === 'primitive' && property.translate && property.type !== 'Edm.Boolean') {
      throw new Error(`${model.name}.${name}: only a Boolean property can translate itself`);
    }
    if (property.kind === 'primitive' && property.translate && property.sortable) {
      throw new Error(
        `${model.name}.${name}: a property that translates itself has no stored value to sort on`,
      );
    }
    if (property.sortable && property.kind !== 'primitive') {
      throw new Error(`${model.name}.${name}: only primitive properties can be sortable`);
    }
    if (property.kind === 'complexCollection') {
      for (const member of property.requiredMembers) {
        if (!Object.hasOwn(property.members, member))
          throw new Error(`${model.name}.${name}: required member '${member}' is not a member`);
      }
    }
  }
  for (const index of model.indexes) {
    if (index[0]?.[0] !== 'tenantId') throw new Error(`${model.name}: every index must start with tenantId`);
  }
  return Object.freeze({ ...model, properties: Object.freeze({ ...model.properties }) });
}

/**
 * Adds properties known only at request time (e.g. a tab's custom fields `customFields/<key>`) to a
 * model. The extra names must be valid OData paths and must not shadow declared properties.
 */
export function extendEntityModel(model: EntityModel, extra: Record<string, PropertyModel>): EntityModel {
  for (const name of Object.keys(extra)) {
    if (!PROPERTY_NAME.test(name)) throw new Error(`${model.name}: invalid dynamic property name '${name}'`);
    if (model.properties[name])
      throw new Error(`${model.name}: dynamic property '${name}' shadows a declared one`);
  }
  return { ...model, properties: { ...model.properties, ...extra } };
}

/** A declared property by OData name; own properties only, so `__proto__` or `constructor` find nothing. */
export function findProperty(model: EntityModel, name: string): PropertyModel | undefined {
  return Object.hasOwn(model.properties, name) ? model.properties[name] : undefined;
}

/** The path a query compares or sorts on: the normalized key for strings, the stored value otherwise. */
export function queryPath(property: PrimitivePropertyModel): string {
  return property.normalizedPath ?? property.path;
}

/** The path of a collection's elements as queried (normalized array when there is one). */
export function elementPath(property: PrimitiveCollectionModel | ComplexCollectionModel): string {
  return property.normalizedPath ?? property.path;
}

/** Reads a dot-notation path from a plain document; missing parts read as undefined. */
export function readPath(document: unknown, path: string): unknown {
  let current: unknown = document;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function normalizeMember(value: unknown, type: EdmPrimitiveType): unknown {
  if (type === 'Edm.String' && typeof value === 'string') return normalizeText(value);
  return value ?? null;
}

/**
 * The normalized keys of a stored document, as a flat `{ path: value }` map for `$set` or
 * {@link applyNormalizedFields}. Services call this on every write so that queries and stored keys agree.
 */
export function normalizedValues(model: EntityModel, document: unknown): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const property of Object.values(model.properties)) {
    if (!property.normalizedPath || property.normalizedPath === property.path) continue;
    const raw = readPath(document, property.path);
    if (property.kind === 'primitive') {
      values[property.normalizedPath] = typeof raw === 'string' ? normalizeText(raw) : null;
    } else if (property.kind === 'collection') {
      values[property.normalizedPath] = Array.isArray(raw)
        ? raw.map((item) => normalizeMember(item, property.elementType))
        : [];
    } else {
      values[property.normalizedPath] = Array.isArray(raw)
        ? raw.map((item) => {
            const normalized: Record<string, unknown> = {};
            for (const [member, type] of Object.entries(property.members)) {
              const value =
                item && typeof item === 'object' ? (item as Record<string, unknown>)[member] : undefined;
              if (value !== undefined && value !== null) normalized[member] = normalizeMember(value, type);
            }
            return normalized;
          })
        : [];
    }
  }
  return values;
}

/** Returns a copy of the document with its normalized keys set (nested objects created as needed). */
export function applyNormalizedFields<T extends object>(model: EntityModel, document: T): T {
  const copy = deepCopy(document) as Record<string, unknown>;
  for (const [path, value] of Object.entries(normalizedValues(model, document))) {
    const segments = path.split('.');
    let target = copy;
    for (const segment of segments.slice(0, -1)) {
      const next = target[segment];
      target[segment] = next && typeof next === 'object' ? next : {};
      target = target[segment] as Record<string, unknown>;
    }
    target[segments[segments.length - 1]] = value;
  }
  return copy as T;
}

/** Copies plain objects and arrays (dates stay dates); other values are shared. */
function deepCopy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(deepCopy);
  if (types.isDate(value)) return new Date(value.getTime());
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, deepCopy(item)]),
    );
  }
  return value;
}

/** Every normalized path of a model: removed from documents before they are mapped to the API shape. */
export function normalizedPaths(model: EntityModel): string[] {
  return Object.values(model.properties)
    .filter((property) => property.normalizedPath && property.normalizedPath !== property.path)
    .map((property) => property.normalizedPath as string);
}
