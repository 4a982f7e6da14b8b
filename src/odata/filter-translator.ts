import type {
  BooleanCallNode,
  ComparisonNode,
  ComparisonOperator,
  FilterNode,
  FunctionNode,
  InNode,
  LiteralNode,
  PathNode,
  ValueNode,
} from './ast';
import {
  findProperty,
  queryPath,
  type EntityModel,
  type MongoFilter,
  type PrimitivePropertyModel,
  type PropertyModel,
  type QueryContext,
} from './entity-model';
import {
  comparedLiteral,
  NOTHING,
  ORDER_OPERATORS,
  propertyFirst,
  regexFor,
  singleArgument,
  storedValue,
} from './filter-terms';
import { translateLambda } from './lambda-translator';
import { ODATA_LIMITS } from './limits';
import { integerLiteral, isNullLiteral, type LiteralValue } from './literals';
import { odataError } from './odata-error';

/*
 * Translation rules (all checked by the differential test against a reference evaluator):
 * - Null and missing are the same OData null. `x eq null` is `{x: {$eq: null}}` (matches both); `x ne v`
 *   is `$ne` (matches null); gt/ge/lt/le never match null (MongoDB type bracketing); `not` is `$nor`.
 * - Strings compare, match and sort through their normalized key (see normalize.ts); tolower()/toupper()
 *   therefore change nothing. contains/startswith/endswith become escaped, unflagged regexes on that key;
 *   startswith is anchored (`^…`), so an index on the key serves it.
 * - Only operators every target has: no $expr, $where, $text, collation, $elemMatch (FerretDB 1.24
 *   evaluates $elemMatch against the whole array and rejects $and/$or/$ne/$not inside it).
 * - Lambdas (lambda-translator.ts): any(P) is "some element matches", an `or` of one-operator conditions
 *   on the element path; all(P) is "no element violates P", a `$nor` of the violations, so an empty
 *   collection satisfies it.
 * - A Boolean that translates itself (computed for the caller, never null) becomes the model's stored
 *   condition for the one value the comparison accepts, anything for both, nothing for neither.
 */

/**
 * Translates a parsed `$filter` for one entity model into a MongoDB filter; `context` is the caller, for
 * the properties that translate themselves (a model without them needs none).
 */
export function translateFilter(node: FilterNode, model: EntityModel, context?: QueryContext): MongoFilter {
  return new FilterTranslator(model, context).condition(node);
}

/** Whether a Boolean `candidate` satisfies `candidate <operator> value` (false sorts before true). */
function holds(candidate: boolean, operator: ComparisonOperator, value: LiteralValue): boolean {
  if (typeof value !== 'boolean') return false;
  const [left, right] = [Number(candidate), Number(value)];
  switch (operator) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
  }
}

interface Operand {
  property: PrimitivePropertyModel;
  name: string;
}

class FilterTranslator {
  constructor(
    private readonly model: EntityModel,
    private readonly context?: QueryContext,
  ) {}

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
        return translateLambda(node, this.resolve(node.collection));
      case 'boolProperty': {
        const operand = this.operand(node.path);
        if (operand.property.type !== 'Edm.Boolean') {
          throw odataError(
            '$filter',
            `'${operand.name}' is not a Boolean property, so it cannot stand alone as a condition (position ${node.position}).`,
          );
        }
        if (operand.property.translate) return this.translated(operand, (value) => value);
        return { [operand.property.path]: { $eq: true } };
      }
    }
  }

  /** The stored condition of a property that translates itself, from which of true and false it accepts. */
  private translated(operand: Operand, accepts: (value: boolean) => boolean): MongoFilter {
    const { translate } = operand.property;
    if (!translate || !this.context) {
      throw new Error(
        `${this.model.name}.${operand.name} translates itself: give the caller's query context`,
      );
    }
    const [whenTrue, whenFalse] = [accepts(true), accepts(false)];
    if (whenTrue && whenFalse) return { [this.model.idPath]: { $exists: true } };
    if (whenTrue || whenFalse) return translate(whenTrue, this.context);
    return NOTHING(this.model.idPath);
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
      const inner = this.operand(singleArgument(value));
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

  private requireString(operand: Operand, what: string, position: number): void {
    if (operand.property.type !== 'Edm.String') {
      throw odataError(
        '$filter',
        `${what}() needs a string property; '${operand.name}' is ${operand.property.type} (position ${position}).`,
      );
    }
  }

  private comparison(node: ComparisonNode): MongoFilter {
    const { left, right, operator } = propertyFirst(node);
    if (left.kind === 'literal') {
      throw odataError(
        '$filter',
        `Comparing two literals is not supported (position ${node.position}); compare a property with a literal.`,
      );
    }
    const literal = comparedLiteral(right, operator);
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
      // Never null: `eq null` accepts neither value, `ne null` both.
      if (operand.property.translate && (operator === 'eq' || operator === 'ne'))
        return this.translated(operand, () => operator === 'ne');
      if (operator === 'eq') return { [path]: { $eq: null } };
      if (operator === 'ne') return { [path]: { $ne: null } };
      throw odataError(
        '$filter',
        `null can only be compared with 'eq' or 'ne' (position ${literal.position}).`,
      );
    }
    const value = storedValue(literal, operand.property.type, operand.name);
    if (operand.property.translate)
      return this.translated(operand, (candidate) => holds(candidate, operator, value));
    if (operator === 'eq') return { [path]: { $eq: value } };
    if (operator === 'ne') return { [path]: { $ne: value } };
    return { [path]: { [ORDER_OPERATORS[operator]]: value } };
  }

  private inList(node: InNode): MongoFilter {
    const operand = this.operand(node.operand);
    const values = node.items.map((item) =>
      isNullLiteral(item) ? null : storedValue(item, operand.property.type, operand.name),
    );
    if (operand.property.translate) return this.translated(operand, (value) => values.includes(value));
    return { [queryPath(operand.property)]: { $in: values } };
  }

  private stringMatch(node: BooleanCallNode): MongoFilter {
    const operand = this.operand(node.args[0]);
    this.requireString(operand, node.name, node.position);
    return { [queryPath(operand.property)]: { $regex: regexFor(node) } };
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
    const operand = this.operand(singleArgument(call));
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
    const operand = this.operand(singleArgument(call));
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
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function utcYearStart(year: number): Date {
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year);
  return date;
}
