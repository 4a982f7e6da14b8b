import { types } from 'node:util';
import {
  foldText,
  literalValue,
  normalizeText,
  type EdmPrimitiveType,
  type EntityModel,
  type FilterNode,
  type LiteralNode,
  type SortKey,
  type ValueNode,
} from '../../src/odata';

/**
 * A reference evaluator of the engine's `$filter` tree with OData semantics, over plain in-memory
 * documents: null and missing are null; eq/ne treat null as a value; gt/ge/lt/le with null are false;
 * strings compare case- and accent-insensitively (normalizeText) in UTF-8 byte order; any() over a
 * missing collection is false, all() is true. Written independently of the MongoDB translation.
 */
export type Doc = Record<string, any>;

interface Typed {
  value: unknown;
  type: EdmPrimitiveType;
}

function read(doc: unknown, path: string): unknown {
  let current: any = doc;
  for (const segment of path.split('.')) {
    if (current === null || current === undefined || typeof current !== 'object') return null;
    current = current[segment];
  }
  return current ?? null;
}

/** Total order of OData values as MongoDB sorts them within one type: null lowest. */
export function compareValues(a: unknown, b: unknown, type: EdmPrimitiveType): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull && bNull ? 0 : aNull ? -1 : 1;
  if (type === 'Edm.String')
    return Buffer.compare(Buffer.from(normalizeText(a as string)), Buffer.from(normalizeText(b as string)));
  if (types.isDate(a) && types.isDate(b)) return Math.sign(a.getTime() - b.getTime());
  if (typeof a === 'string' && typeof b === 'string')
    return Buffer.compare(Buffer.from(a.toLowerCase()), Buffer.from(b.toLowerCase()));
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return Math.sign((a as number) - (b as number));
}

interface Scope {
  variable: string;
  element: unknown;
  property: Extract<EntityModel['properties'][string], { kind: 'collection' | 'complexCollection' }>;
}

export class ReferenceEvaluator {
  constructor(private readonly model: EntityModel) {}

  matches(node: FilterNode, doc: Doc, scope?: Scope): boolean {
    switch (node.kind) {
      case 'and':
        return this.matches(node.left, doc, scope) && this.matches(node.right, doc, scope);
      case 'or':
        return this.matches(node.left, doc, scope) || this.matches(node.right, doc, scope);
      case 'not':
        return !this.matches(node.operand, doc, scope);
      case 'boolProperty':
        return this.value(node.path, doc, scope).value === true;
      case 'compare': {
        let { left, right } = node;
        let operator = node.operator;
        if (left.kind === 'literal') {
          [left, right] = [right, left];
          operator = ({ eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' } as const)[operator];
        }
        const a = this.value(left, doc, scope);
        const b = this.literal(right as LiteralNode, a.type);
        const aNull = a.value === null || a.value === undefined;
        const bNull = b === null;
        if (operator === 'eq')
          return aNull || bNull ? aNull && bNull : compareValues(a.value, b, a.type) === 0;
        if (operator === 'ne')
          return aNull || bNull ? !(aNull && bNull) : compareValues(a.value, b, a.type) !== 0;
        if (aNull || bNull) return false;
        const c = compareValues(a.value, b, a.type);
        return operator === 'gt' ? c > 0 : operator === 'ge' ? c >= 0 : operator === 'lt' ? c < 0 : c <= 0;
      }
      case 'in': {
        const a = this.value(node.operand, doc, scope);
        return node.items.some((item) => {
          const b = this.literal(item, a.type);
          if (a.value === null || b === null) return a.value === null && b === null;
          return compareValues(a.value, b, a.type) === 0;
        });
      }
      case 'call': {
        const a = this.value(node.args[0], doc, scope);
        if (typeof a.value !== 'string') return false;
        const text = normalizeText(a.value);
        const needle = foldText(this.literal(node.args[1] as LiteralNode, 'Edm.String') as string);
        return node.name === 'contains'
          ? text.includes(needle)
          : node.name === 'startswith'
            ? text.startsWith(needle)
            : text.endsWith(needle);
      }
      case 'lambda': {
        const name = node.collection.segments.join('/');
        const property = this.model.properties[name];
        if (property.kind === 'primitive') throw new Error('reference: lambda over a primitive');
        const items = read(doc, property.path);
        const list = Array.isArray(items) ? items : [];
        if (!node.predicate || !node.variable) return list.length > 0;
        const test = (element: unknown) =>
          this.matches(node.predicate!, doc, { variable: node.variable!, element, property });
        return node.quantifier === 'any' ? list.some(test) : list.every(test);
      }
    }
  }

  private literal(node: LiteralNode, type: EdmPrimitiveType): unknown {
    return literalValue(node, type, 'reference');
  }

  value(node: ValueNode, doc: Doc, scope?: Scope): Typed {
    if (node.kind === 'literal') throw new Error('reference: literal on the left');
    if (node.kind === 'function') {
      const inner = this.value(node.args[0], doc, scope);
      const v = inner.value;
      switch (node.name) {
        case 'tolower':
          return { value: typeof v === 'string' ? v.toLowerCase() : null, type: 'Edm.String' };
        case 'toupper':
          return { value: typeof v === 'string' ? v.toUpperCase() : null, type: 'Edm.String' };
        case 'length':
          return { value: typeof v === 'string' ? [...v].length : null, type: 'Edm.Int32' };
        default: {
          if (v === null || v === undefined) return { value: null, type: 'Edm.Int32' };
          const [year, month, day] = types.isDate(v)
            ? [v.getUTCFullYear(), v.getUTCMonth() + 1, v.getUTCDate()]
            : (v as string).split('-').map(Number);
          return {
            value: node.name === 'year' ? year : node.name === 'month' ? month : day,
            type: 'Edm.Int32',
          };
        }
      }
    }
    if (scope && node.lambdaVariable === scope.variable) {
      const lambdaProperty = scope.property;
      if (lambdaProperty.kind === 'collection')
        return { value: scope.element ?? null, type: lambdaProperty.elementType };
      const member = node.segments.join('/');
      return {
        value: (scope.element as Record<string, unknown>)?.[member] ?? null,
        type: lambdaProperty.members[member],
      };
    }
    const property = this.model.properties[node.segments.join('/')];
    if (!property || property.kind !== 'primitive')
      throw new Error(`reference: unknown property ${node.segments.join('/')}`);
    return { value: read(doc, property.path), type: property.type };
  }

  /** Sorts documents by the engine's effective sort keys, reading raw values (strings normalized). */
  sort(docs: Doc[], keys: SortKey[]): Doc[] {
    return [...docs].sort((a, b) => {
      for (const key of keys) {
        const property = key.name ? this.model.properties[key.name] : undefined;
        const path = property && property.kind === 'primitive' ? property.path : key.path;
        const c = compareValues(read(a, path), read(b, path), key.type) * key.direction;
        if (c) return c;
      }
      return 0;
    });
  }
}
