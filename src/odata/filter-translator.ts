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
  type QueryContext,
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
 * - Lambdas: any(P) is "some element matches", an `or` of one-operator conditions on the element path;
 *   all(P) is "no element violates P", a `$nor` of the violations, so an empty collection satisfies it.
 * - A Boolean that translates itself (computed for the caller, never null) becomes the model's stored
 *   condition for the one value the comparison accepts, anything for both, nothing for neither.
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
/** The comparison that holds exactly when the given one does not, on non-null values. */
const COMPLEMENT: Record<ComparisonOperator, ComparisonOperator> = {
  eq: 'ne',
  ne: 'eq',
  gt: 'le',
  ge: 'lt',
  lt: 'ge',
  le: 'gt',
};
/** Matches nothing: an empty `$in` (FerretDB and MongoDB both accept it). */
const NOTHING = (path: string): MongoFilter => ({ [path]: { $in: [] } });

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

interface LambdaScope {
  variable: string;
  name: string;
  property: PrimitiveCollectionModel | ComplexCollectionModel;
  quantifier: 'any' | 'all';
}

/** What a lambda condition compares: the element, or one member of a complex element. */
interface ElementOperand {
  path: string;
  type: EdmPrimitiveType;
  member?: string;
  /** A member that an element may lack (or hold null): only a declared required member never is. */
  mayBeMissing: boolean;
  /** How messages name it, e.g. `emailAddresses/address`. */
  label: string;
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
        return this.lambda(node);
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
    const value = this.storedValue(literal, operand.property.type, operand.name);
    if (operand.property.translate)
      return this.translated(operand, (candidate) => holds(candidate, operator, value));
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
    if (operand.property.translate) return this.translated(operand, (value) => values.includes(value));
    return { [queryPath(operand.property)]: { $in: values } };
  }

  private stringPattern(
    node: BooleanCallNode,
    option = '$filter',
  ): { needle: string; text: string; literal: LiteralNode } {
    if (node.args.length !== 2)
      throw odataError(option, `${node.name}() takes two arguments (position ${node.position}).`);
    const literal = node.args[1];
    if (literal.kind !== 'literal' || literal.literalType !== 'Edm.String' || !literal.text.startsWith("'")) {
      throw odataError(
        option,
        `The second argument of ${node.name}() must be a string literal (position ${literal.position}).`,
      );
    }
    const text = foldText(literalValue(literal, 'Edm.String', node.name) as string);
    return { needle: escapeRegex(text), text, literal };
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
    const scope: LambdaScope = { variable: node.variable, name, property, quantifier: node.quantifier };
    const atoms: MongoFilter[] = [];
    // any(P) is an `or` of single-element conditions; all(P) is not any(not P), so an empty or missing
    // collection satisfies it.
    this.elementAtoms(node.predicate, scope, node.quantifier === 'all', atoms);
    if (!atoms.length) atoms.push(NOTHING(base));
    if (node.quantifier === 'all') return { $nor: atoms };
    return atoms.length === 1 ? atoms[0] : { $or: atoms };
  }

  /**
   * Conditions on one collection element, each an `or` of atoms that say "some element satisfies …".
   * Without $elemMatch (see the rules above), one atom is one operator on a dot path, which an array
   * matches when any element does; so conditions on an element may only be joined with `or` inside
   * any() (`and` inside all()). `negated` is true when the caller needs `not node` (all() starts negated: it is not any(not P)).
   * A negated condition holds for an element whose member is missing, and no dot path finds such an
   * element on every engine (FerretDB matches `{'a.b': null}` only when no element has `b`): those are
   * refused on complex elements' optional members. Primitive elements are never null, nor are the members
   * a model declares required.
   */
  private elementAtoms(node: FilterNode, scope: LambdaScope, negated: boolean, out: MongoFilter[]): void {
    const unsupported = (what: string, why: string): never => {
      throw odataError(
        '$filter',
        `${what} is not supported inside ${scope.name}/${scope.quantifier}() (position ${node.position}): ${why}.`,
      );
    };
    switch (node.kind) {
      case 'or':
      case 'and':
        if ((node.kind === 'or') === negated) {
          return unsupported(
            `'${node.kind}'`,
            `each condition is decided for one element, so conditions on it can be joined with 'or' inside any() and with 'and' inside all() (under 'not', the other way round); for one of several values use in (…)`,
          );
        }
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
        if (isNullLiteral(literal)) {
          return unsupported(
            'Comparing with null',
            `compare the element with a value, or test for an empty collection with ${scope.name}/any()`,
          );
        }
        // The comparison each atom must express: the one written, or its complement when negated.
        const wanted = negated ? COMPLEMENT[operator] : operator;
        const holdsForMissing = negated ? operator !== 'ne' : operator === 'ne';
        if (holdsForMissing) this.requireMember(element, scope, unsupported);
        const value = this.storedValue(literal, element.type, element.label);
        if (wanted === 'eq') out.push({ [element.path]: { $eq: value } });
        // Elements of one collection have one type, and MongoDB compares within a type only.
        else if (wanted === 'ne')
          out.push({ [element.path]: { $lt: value } }, { [element.path]: { $gt: value } });
        else out.push({ [element.path]: { [ORDER_OPERATORS[wanted]]: value } });
        return;
      }
      case 'in': {
        const element = this.element(node.operand, scope);
        const values = node.items.map((item) => {
          if (isNullLiteral(item))
            return unsupported('null in a list', 'inside a lambda, compare with values only');
          return this.storedValue(item, element.type, element.label);
        });
        if (!negated) {
          out.push({ [element.path]: { $in: values } });
          return;
        }
        this.requireMember(element, scope, unsupported);
        if (values.length === 1) {
          out.push({ [element.path]: { $lt: values[0] } }, { [element.path]: { $gt: values[0] } });
        } else if (values.every((value) => typeof value === 'string')) {
          out.push(this.elementRegex(element.path, notOneOf(values)!, node.position));
        } else {
          unsupported(
            `'in' with several ${element.type} values`,
            `an element outside such a list cannot be found without a per-element test; 'in' inside all() (or 'not … in' inside any()) works on text values, 'eq', 'ne', 'gt', 'ge', 'lt' and 'le' on every type`,
          );
        }
        return;
      }
      case 'call': {
        const element = this.element(node.args[0], scope);
        if (element.type !== 'Edm.String')
          return unsupported(`${node.name}() on a non-string value`, `${node.name}() needs text`);
        if (!negated) {
          out.push(this.elementRegex(element.path, this.regexFor(node), node.position));
          return;
        }
        if (node.name === 'contains') {
          return unsupported(
            scope.quantifier === 'all' ? 'contains()' : 'not contains()',
            `finding an element that does not contain a text needs a per-element negated match that not every supported database has; startswith(), endswith(), eq, ne and in work, and 'not ${scope.name}/any(${scope.variable}: contains(…))' finds those where no element contains the text`,
          );
        }
        this.requireMember(element, scope, unsupported);
        const { text } = this.stringPattern(node);
        const pattern = node.name === 'startswith' ? notOneOf([text], true) : notSuffixedBy(text);
        // Every text starts and ends with '': then no element violates the condition.
        if (pattern !== undefined) out.push(this.elementRegex(element.path, pattern, node.position));
        return;
      }
      default:
        return unsupported(
          node.kind === 'lambda' ? 'A nested lambda' : 'This condition',
          `compare the element with eq, ne, gt, ge, lt, le or in, or use contains(), startswith() or endswith()`,
        );
    }
  }

  /** Refuses a negated condition on a complex element's member that may be missing (see elementAtoms). */
  private requireMember(
    element: ElementOperand,
    scope: LambdaScope,
    unsupported: (what: string, why: string) => never,
  ): void {
    if (!element.mayBeMissing) return;
    const required = scope.property.kind === 'complexCollection' ? scope.property.requiredMembers : [];
    const always = required.length
      ? `; on ${required.map((member) => `${scope.variable}/${member}`).join(', ')}, which every element has, all of these work`
      : '';
    unsupported(
      `This condition on '${scope.variable}/${element.member}'`,
      `it would also hold for elements that have no ${element.member}, which not every supported database can tell apart; inside all() use ne, not startswith(), not endswith() or not contains() on ${element.member}, and inside any() eq, in, gt, ge, lt, le, contains(), startswith() or endswith()${always}`,
    );
  }

  /**
   * A regex on the elements, written as `$in: [regex]`: mongo-java-server also matches a `$regex` against
   * the text of the whole array (`[a, b]`), `$in` tests each element only, on every engine.
   */
  private elementRegex(path: string, pattern: string, position: number): MongoFilter {
    if (pattern.length > ODATA_LIMITS.maxElementPatternLength) {
      throw odataError(
        '$filter',
        `The condition at position ${position} in $filter is too long to be matched on each element; use fewer or shorter values.`,
      );
    }
    return { [path]: { $in: [new RegExp(pattern)] } };
  }

  /** The element (or element member) a lambda condition is about, with its type and database path. */
  private element(value: ValueNode, scope: LambdaScope): ElementOperand {
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
      return {
        path: base,
        type: scope.property.elementType,
        mayBeMissing: false,
        label: `${scope.name}/${scope.variable}`,
      };
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
    return {
      path: `${base}.${member}`,
      type,
      member,
      mayBeMissing: !scope.property.requiredMembers.includes(member),
      label: `${scope.name}/${member}`,
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

interface TrieNode {
  end: boolean;
  children: Map<string, TrieNode>;
}

/**
 * A regex for the texts that are none of `values` (with `prefixes`: that start with none of them). It
 * walks the values' trie by code point and matches where a text leaves it: the text ends early, or goes
 * on with a character no value has there, or goes on past a whole value. No lookahead: RE2 (FerretDB)
 * has none. `undefined` when every text qualifies as one of the values (the prefix '').
 */
function notOneOf(values: string[], prefixes = false): string | undefined {
  const root: TrieNode = { end: false, children: new Map() };
  for (const value of values) {
    let node = root;
    for (const character of value) {
      let child = node.children.get(character);
      if (!child) {
        child = { end: false, children: new Map() };
        node.children.set(character, child);
      }
      node = child;
    }
    node.end = true;
  }
  const leaving = (node: TrieNode): string[] => {
    if (node.end && prefixes) return [];
    const alternatives = node.end ? [] : ['\\z'];
    const next = [...node.children.keys()];
    alternatives.push(next.length ? `[^${next.map(escapeRegex).join('')}]` : '[\\s\\S]');
    for (const [character, child] of node.children) {
      const rest = leaving(child);
      if (rest.length) alternatives.push(`${escapeRegex(character)}${group(rest)}`);
    }
    return alternatives;
  };
  const alternatives = leaving(root);
  return alternatives.length ? `^${group(alternatives)}` : undefined;
}

/** A regex for the texts that do not end with `suffix`: shorter ones, or ones that differ in its last characters. */
function notSuffixedBy(suffix: string): string | undefined {
  const characters = [...suffix];
  if (!characters.length) return undefined;
  const alternatives = [`^[\\s\\S]{0,${characters.length - 1}}`];
  for (let kept = 0; kept < characters.length; kept++) {
    const differing = characters[characters.length - 1 - kept];
    alternatives.push(
      `[^${escapeRegex(differing)}]${characters
        .slice(characters.length - kept)
        .map(escapeRegex)
        .join('')}`,
    );
  }
  return `${group(alternatives)}\\z`;
}

function group(alternatives: string[]): string {
  return alternatives.length === 1 ? alternatives[0] : `(?:${alternatives.join('|')})`;
}
