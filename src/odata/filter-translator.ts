import type {
  BooleanCallNode,
  ComparisonNode,
  ComparisonOperator,
  FilterNode,
  FunctionNode,
  InNode,
  LambdaNode,
  LiteralNode,
  PathNode,
  ValueNode,
} from './ast';
import {
  elementPath,
  findProperty,
  queryPath,
  type ComplexCollectionModel,
  type EdmPrimitiveType,
  type EntityModel,
  type MongoFilter,
  type PrimitiveCollectionModel,
  type PrimitivePropertyModel,
  type PropertyModel,
} from './entity-model';
import { ODATA_LIMITS } from './limits';
import { integerLiteral, isNullLiteral, literalValue, type LiteralValue } from './literals';
import { escapeRegex, foldText, normalizeText } from './normalize';
import { odataError, quoteInput } from './odata-error';

/*
 * Translation rules (all checked by the differential test against a reference evaluator):
 * - Null and missing are the same OData null. `x eq null` is `{x: {$eq: null}}` (matches both); `x ne v`
 *   is `$ne` (matches null); gt/ge/lt/le never match null (MongoDB type bracketing); `not` is `$nor`.
 * - Strings compare, match and sort through their normalized key (see normalize.ts); tolower()/toupper()
 *   therefore change nothing. contains/startswith/endswith become escaped, unflagged regexes on that key;
 *   startswith is anchored (`^…`), so an index on the key serves it.
 * - Only operators every target has: no $expr, $where, $text, collation, $elemMatch (FerretDB 1.24
 *   evaluates $elemMatch against the whole array and rejects $and/$or/$ne/$not inside it).
 */

const ORDER_OPERATORS: Record<'gt' | 'ge' | 'lt' | 'le', string> = {
  gt: '$gt',
  ge: '$gte',
  lt: '$lt',
  le: '$lte',
};
const FLIPPED: Record<ComparisonOperator, ComparisonOperator> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'lt',
  ge: 'le',
  lt: 'gt',
  le: 'ge',
};
const COMPLEMENT: Record<'gt' | 'ge' | 'lt' | 'le', 'gt' | 'ge' | 'lt' | 'le'> = {
  gt: 'le',
  ge: 'lt',
  lt: 'ge',
  le: 'gt',
};
/** Matches nothing: an empty `$in` (FerretDB and MongoDB both accept it). */
const NOTHING = (path: string): MongoFilter => ({ [path]: { $in: [] } });

/** Translates a parsed `$filter` for one entity model into a MongoDB filter. */
export function translateFilter(node: FilterNode, model: EntityModel): MongoFilter {
  return new FilterTranslator(model).condition(node);
}

interface Operand {
  property: PrimitivePropertyModel;
  name: string;
}

interface LambdaScope {
  variable: string;
  name: string;
  property: PrimitiveCollectionModel | ComplexCollectionModel;
}

class FilterTranslator {
  constructor(private readonly model: EntityModel) {}

  condition(node: FilterNode): MongoFilter {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const key = node.kind === 'and' ? '$and' : '$or';
        const parts: MongoFilter[] = [];
        for (const side of [node.left, node.right]) {
          const translated = this.condition(side);
          const nested = translated[key];
          if (Object.keys(translated).length === 1 && Array.isArray(nested))
            parts.push(...(nested as MongoFilter[]));
          else parts.push(translated);
        }
        return { [key]: parts };
      }
      case 'not':
        return { $nor: [this.condition(node.operand)] };
      case 'compare':
        return this.comparison(node);
      case 'in':
        return this.inList(node);
      case 'call':
        return this.stringMatch(node);
      case 'lambda':
        return this.lambda(node);
      case 'boolProperty': {
        const operand = this.operand(node.path);
        if (operand.property.type !== 'Edm.Boolean') {
          throw odataError(
            '$filter',
            `'${operand.name}' is not a Boolean property, so it cannot stand alone as a condition (position ${node.position}).`,
          );
        }
        return { [operand.property.path]: { $eq: true } };
      }
    }
  }

  private resolve(path: PathNode): { name: string; property: PropertyModel } {
    const name = path.segments.join('/');
    const property = findProperty(this.model, name);
    if (!property) {
      const head = findProperty(this.model, path.segments[0]);
      if (head && head.kind !== 'primitive' && path.segments.length > 1) {
        throw odataError(
          '$filter',
          `'${path.segments[0]}' is a collection: use a lambda, e.g. ${path.segments[0]}/any(x: x/${path.segments.slice(1).join('/')} eq …) (position ${path.position}).`,
        );
      }
      throw odataError('$filter', `Could not find a property named '${name}' on type '${this.model.name}'.`);
    }
    if (!property.filterable)
      throw odataError('$filter', `The property '${name}' cannot be used in $filter.`);
    return { name, property };
  }

  /** A primitive property operand, looking through tolower()/toupper() (identity on normalized keys). */
  private operand(value: ValueNode): Operand {
    if (value.kind === 'function' && (value.name === 'tolower' || value.name === 'toupper')) {
      const inner = this.operand(this.singleArgument(value));
      this.requireString(inner, value.name, value.position);
      return inner;
    }
    if (value.kind !== 'path') {
      throw odataError('$filter', `Expected a property at position ${value.position} in $filter.`);
    }
    if (value.lambdaVariable !== undefined) {
      throw odataError(
        '$filter',
        `The lambda variable '${value.lambdaVariable}' is used outside its lambda (position ${value.position}).`,
      );
    }
    const { name, property } = this.resolve(value);
    if (property.kind !== 'primitive') {
      throw odataError(
        '$filter',
        `'${name}' is a collection: use ${name}/any(…) or ${name}/all(…) (position ${value.position}).`,
      );
    }
    return { name, property };
  }

  private singleArgument(call: FunctionNode): ValueNode {
    if (call.args.length !== 1)
      throw odataError('$filter', `${call.name}() takes one argument (position ${call.position}).`);
    return call.args[0];
  }

  private requireString(operand: Operand, what: string, position: number): void {
    if (operand.property.type !== 'Edm.String') {
      throw odataError(
        '$filter',
        `${what}() needs a string property; '${operand.name}' is ${operand.property.type} (position ${position}).`,
      );
    }
  }

  private literal(value: ValueNode, operator: string): LiteralNode {
    if (value.kind !== 'literal') {
      throw odataError(
        '$filter',
        `The value compared with '${operator}' at position ${value.position} must be a literal; comparing two properties is not supported.`,
      );
    }
    return value;
  }

  private comparison(node: ComparisonNode): MongoFilter {
    let { left, right, operator } = node;
    if (left.kind === 'literal' && right.kind !== 'literal') {
      [left, right] = [right, left];
      operator = FLIPPED[operator];
    }
    if (left.kind === 'literal') {
      throw odataError(
        '$filter',
        `Comparing two literals is not supported (position ${node.position}); compare a property with a literal.`,
      );
    }
    const literal = this.literal(right, operator);
    if (left.kind === 'function' && left.name === 'length')
      return this.lengthComparison(left, operator, literal);
    if (left.kind === 'function' && (left.name === 'year' || left.name === 'month' || left.name === 'day')) {
      return this.datePartComparison(left, operator, literal);
    }
    if (left.kind === 'function' && left.name !== 'tolower' && left.name !== 'toupper') {
      throw odataError('$filter', `${left.name}() cannot be compared (position ${left.position}).`);
    }
    const operand = this.operand(left);
    const path = queryPath(operand.property);
    if (isNullLiteral(literal)) {
      if (operator === 'eq') return { [path]: { $eq: null } };
      if (operator === 'ne') return { [path]: { $ne: null } };
      throw odataError(
        '$filter',
        `null can only be compared with 'eq' or 'ne' (position ${literal.position}).`,
      );
    }
    const value = this.storedValue(literal, operand.property.type, operand.name);
    if (operator === 'eq') return { [path]: { $eq: value } };
    if (operator === 'ne') return { [path]: { $ne: value } };
    return { [path]: { [ORDER_OPERATORS[operator]]: value } };
  }

  /** A literal as stored: converted to the property type, strings normalized. */
  private storedValue(literal: LiteralNode, type: EdmPrimitiveType, name: string): LiteralValue {
    const value = literalValue(literal, type, name);
    return typeof value === 'string' && type === 'Edm.String' ? normalizeText(value) : value;
  }

  private inList(node: InNode): MongoFilter {
    const operand = this.operand(node.operand);
    const values = node.items.map((item) =>
      isNullLiteral(item) ? null : this.storedValue(item, operand.property.type, operand.name),
    );
    return { [queryPath(operand.property)]: { $in: values } };
  }

  private stringPattern(node: BooleanCallNode, option = '$filter'): { needle: string; literal: LiteralNode } {
    if (node.args.length !== 2)
      throw odataError(option, `${node.name}() takes two arguments (position ${node.position}).`);
    const literal = node.args[1];
    if (literal.kind !== 'literal' || literal.literalType !== 'Edm.String' || !literal.text.startsWith("'")) {
      throw odataError(
        option,
        `The second argument of ${node.name}() must be a string literal (position ${literal.position}).`,
      );
    }
    const needle = escapeRegex(foldText(literalValue(literal, 'Edm.String', node.name) as string));
    return { needle, literal };
  }

  private regexFor(node: BooleanCallNode): string {
    const { needle } = this.stringPattern(node);
    // Normalized keys are trimmed, so `$` (end, or before a final newline in PCRE) is exact here.
    return node.name === 'startswith' ? `^${needle}` : node.name === 'endswith' ? `${needle}$` : needle;
  }

  private stringMatch(node: BooleanCallNode): MongoFilter {
    const operand = this.operand(node.args[0]);
    this.requireString(operand, node.name, node.position);
    return { [queryPath(operand.property)]: { $regex: this.regexFor(node) } };
  }

  /**
   * length() without $expr: an anchored regex on the stored string counting code points. `\z` (true end
   * of text) is used because PCRE's `$` also matches before a final newline; RE2 (FerretDB) caps a
   * repeat at 1000, hence the bound.
   */
  private lengthComparison(
    call: FunctionNode,
    operator: ComparisonOperator,
    literal: LiteralNode,
  ): MongoFilter {
    const operand = this.operand(this.singleArgument(call));
    this.requireString(operand, 'length', call.position);
    const n = integerLiteral(literal, 'length()');
    const path = operand.property.path;
    const max = ODATA_LIMITS.maxLengthOperand;
    if (n < 0 || n > max)
      throw odataError(
        '$filter',
        `length() can be compared with 0 to ${max} (position ${literal.position}).`,
      );
    const exactly = (count: number): MongoFilter => ({ [path]: { $regex: `^[\\s\\S]{${count}}\\z` } });
    const atLeast = (count: number): MongoFilter =>
      count > max ? NOTHING(path) : { [path]: { $regex: count === 0 ? '^' : `^[\\s\\S]{${count}}` } };
    const atMost = (count: number): MongoFilter =>
      count < 0 ? NOTHING(path) : { [path]: { $regex: `^[\\s\\S]{0,${count}}\\z` } };
    switch (operator) {
      case 'eq':
        return exactly(n);
      case 'ne':
        return { $nor: [exactly(n)] };
      case 'gt':
        return atLeast(n + 1);
      case 'ge':
        return atLeast(n);
      case 'lt':
        return atMost(n - 1);
      case 'le':
        return atMost(n);
    }
  }

  /**
   * year()/month()/day() without $expr. year() becomes a range on the stored value (index-friendly):
   * UTC dates for Edm.DateTimeOffset, `YYYY-MM-DD` strings for Edm.Date. month() and day() are anchored
   * regexes over the Edm.Date text listing the matching values; on Edm.DateTimeOffset (a BSON date, which
   * no regex can read) they are a 400.
   */
  private datePartComparison(
    call: FunctionNode,
    operator: ComparisonOperator,
    literal: LiteralNode,
  ): MongoFilter {
    const operand = this.operand(this.singleArgument(call));
    const type = operand.property.type;
    if (type !== 'Edm.DateTimeOffset' && type !== 'Edm.Date') {
      throw odataError(
        '$filter',
        `${call.name}() needs a date property; '${operand.name}' is ${type} (position ${call.position}).`,
      );
    }
    const n = integerLiteral(literal, `${call.name}()`);
    const path = operand.property.path;
    if (operator === 'ne') return { $nor: [this.datePartComparison(call, 'eq', literal)] };
    const [low, high] = call.name === 'year' ? [1, 9999] : call.name === 'month' ? [1, 12] : [1, 31];
    const accepts = (value: number): boolean =>
      operator === 'eq'
        ? value === n
        : operator === 'gt'
          ? value > n
          : operator === 'ge'
            ? value >= n
            : operator === 'lt'
              ? value < n
              : value <= n;
    const from = Math.max(
      low,
      operator === 'eq' ? n : operator === 'gt' ? n + 1 : operator === 'ge' ? n : low,
    );
    const to = Math.min(
      high,
      operator === 'eq' ? n : operator === 'lt' ? n - 1 : operator === 'le' ? n : high,
    );
    if (from > to) return NOTHING(path);
    if (call.name === 'year') {
      if (type === 'Edm.Date')
        return { [path]: { $gte: `${pad(from, 4)}-01-01`, $lte: `${pad(to, 4)}-12-31` } };
      return { [path]: { $gte: utcYearStart(from), $lt: utcYearStart(to + 1) } };
    }
    if (type !== 'Edm.Date') {
      throw odataError(
        '$filter',
        `${call.name}() is supported on Edm.Date properties only; on '${operand.name}' use a range, e.g. ${operand.name} ge 2024-05-01T00:00:00Z and ${operand.name} lt 2024-06-01T00:00:00Z (position ${call.position}).`,
      );
    }
    const values: string[] = [];
    for (let value = from; value <= to; value++) if (accepts(value)) values.push(pad(value, 2));
    const alternatives = values.length === 1 ? values[0] : `(?:${values.join('|')})`;
    return {
      [path]: {
        $regex: call.name === 'month' ? `^\\d{4}-${alternatives}-` : `^\\d{4}-\\d{2}-${alternatives}$`,
      },
    };
  }

  private lambda(node: LambdaNode): MongoFilter {
    const { name, property } = this.resolve(node.collection);
    if (property.kind === 'primitive') {
      throw odataError(
        '$filter',
        `${node.quantifier}() needs a collection; '${name}' is ${property.type} (position ${node.position}).`,
      );
    }
    const base = elementPath(property);
    if (!node.predicate || node.variable === undefined) return { [`${base}.0`]: { $exists: true } };
    const scope: LambdaScope = { variable: node.variable, name, property };
    const atoms: MongoFilter[] = [];
    // any(P) is an `or` of single-element conditions; all(P) is not any(not P).
    this.elementAtoms(node.predicate, scope, node.quantifier === 'all', atoms);
    if (node.quantifier === 'all') return { $nor: atoms };
    return atoms.length === 1 ? atoms[0] : { $or: atoms };
  }

  /**
   * Conditions on one collection element, expressed without $elemMatch: a dot path on an array matches
   * when any element matches, which is exact for one condition, so conditions may only be joined with
   * `or` inside any() (`and` inside all()). `negated` is true when the caller needs `not node`.
   */
  private elementAtoms(node: FilterNode, scope: LambdaScope, negated: boolean, out: MongoFilter[]): void {
    const unsupported = (what: string): never => {
      throw odataError(
        '$filter',
        `${what} is not supported inside ${scope.name}/${negated ? 'all' : 'any'}() (position ${node.position}): inside any() join conditions on the element with 'or', inside all() with 'and', and compare with eq, in, gt, ge, lt, le, contains, startswith or endswith.`,
      );
    };
    switch (node.kind) {
      case 'or':
      case 'and':
        if ((node.kind === 'or') === negated) return unsupported(`'${node.kind}'`);
        this.elementAtoms(node.left, scope, negated, out);
        this.elementAtoms(node.right, scope, negated, out);
        return;
      case 'not':
        this.elementAtoms(node.operand, scope, !negated, out);
        return;
      case 'compare': {
        let { left, right, operator } = node;
        if (left.kind === 'literal' && right.kind !== 'literal') {
          [left, right] = [right, left];
          operator = FLIPPED[operator];
        }
        const element = this.element(left, scope);
        const literal = this.literal(right, operator);
        if (isNullLiteral(literal)) return unsupported('Comparing with null');
        const value = this.storedValue(
          literal,
          element.type,
          `${scope.name}/${element.member ?? scope.variable}`,
        );
        if (operator === 'eq' || operator === 'ne') {
          if ((operator === 'eq') === negated)
            return unsupported(negated ? "'eq' inside all()" : "'ne' inside any()");
          out.push({ [element.path]: { $eq: value } });
          return;
        }
        if (negated) {
          // Elements of a primitive collection are never null, so `not (x gt v)` is exactly `x le v`.
          if (scope.property.kind !== 'collection')
            return unsupported(`'${operator}' on a member that may be null`);
          operator = COMPLEMENT[operator];
        }
        out.push({ [element.path]: { [ORDER_OPERATORS[operator]]: value } });
        return;
      }
      case 'in': {
        if (negated) return unsupported("'in'");
        const element = this.element(node.operand, scope);
        const values = node.items.map((item) => {
          if (isNullLiteral(item)) return unsupported('null in a list');
          return this.storedValue(item, element.type, `${scope.name}/${element.member ?? scope.variable}`);
        });
        out.push({ [element.path]: { $in: values } });
        return;
      }
      case 'call': {
        if (negated) return unsupported(`not ${node.name}()`);
        const element = this.element(node.args[0], scope);
        if (element.type !== 'Edm.String') return unsupported(`${node.name}() on a non-string value`);
        out.push({ [element.path]: { $regex: this.regexFor(node) } });
        return;
      }
      default:
        return unsupported(node.kind === 'lambda' ? 'A nested lambda' : 'This condition');
    }
  }

  /** The element (or element member) a lambda condition is about, with its type and database path. */
  private element(
    value: ValueNode,
    scope: LambdaScope,
  ): { path: string; type: EdmPrimitiveType; member?: string } {
    if (value.kind === 'function' && (value.name === 'tolower' || value.name === 'toupper')) {
      const inner = this.element(this.singleArgument(value), scope);
      if (inner.type !== 'Edm.String')
        throw odataError('$filter', `${value.name}() needs a string (position ${value.position}).`);
      return inner;
    }
    if (value.kind !== 'path' || value.lambdaVariable !== scope.variable) {
      throw odataError(
        '$filter',
        `Inside ${scope.name}/any() and all() conditions must be about the lambda variable '${scope.variable}' (position ${value.position}); ${value.kind === 'function' ? `${value.name}() is not supported there` : `found ${quoteInput(value.kind === 'path' ? value.segments.join('/') : value.text)}`}.`,
      );
    }
    const base = elementPath(scope.property);
    if (scope.property.kind === 'collection') {
      if (value.segments.length) {
        throw odataError(
          '$filter',
          `'${scope.variable}' is a ${scope.property.elementType} value; it has no member '${value.segments.join('/')}'.`,
        );
      }
      return { path: base, type: scope.property.elementType };
    }
    const member = value.segments.join('/');
    const type = Object.hasOwn(scope.property.members, member) ? scope.property.members[member] : undefined;
    if (!type) {
      throw odataError(
        '$filter',
        value.segments.length
          ? `Could not find a property named '${member}' on the elements of '${scope.name}'.`
          : `'${scope.variable}' is a complex value; compare one of its members, e.g. ${scope.variable}/${Object.keys(scope.property.members)[0]}.`,
      );
    }
    return { path: `${base}.${member}`, type, member };
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function utcYearStart(year: number): Date {
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year);
  return date;
}
