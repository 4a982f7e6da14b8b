import type {
  BooleanCallNode,
  ComparisonNode,
  ComparisonOperator,
  FilterNode,
  InNode,
  LambdaNode,
  ValueNode,
} from './ast';
import {
  elementPath,
  type ComplexCollectionModel,
  type EdmPrimitiveType,
  type MongoFilter,
  type PrimitiveCollectionModel,
  type PropertyModel,
} from './entity-model';
import {
  comparedLiteral,
  NOTHING,
  ORDER_OPERATORS,
  propertyFirst,
  regexFor,
  singleArgument,
  storedValue,
  stringPattern,
} from './filter-terms';
import { ODATA_LIMITS } from './limits';
import { isNullLiteral } from './literals';
import { escapeRegex } from './normalize';
import { odataError, quoteInput } from './odata-error';

/*
 * any() and all() over a collection property, following the lambda rule of filter-translator.ts: any(P)
 * is "some element matches", an `or` of one-operator conditions on the element path; all(P) is "no element
 * violates P", a `$nor` of the violations, so an empty collection satisfies it.
 */

/** The comparison that holds exactly when the given one does not, on non-null values. */
const COMPLEMENT: Record<ComparisonOperator, ComparisonOperator> = {
  eq: 'ne',
  ne: 'eq',
  gt: 'le',
  ge: 'lt',
  lt: 'ge',
  le: 'gt',
};

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

/** Refuses a condition inside the lambda, saying what and why. */
type Refusal = (what: string, why: string) => never;

/** Translates `collection/any(…)` or `collection/all(…)`, the collection already resolved on the model. */
export function translateLambda(
  node: LambdaNode,
  collection: { name: string; property: PropertyModel },
): MongoFilter {
  const { name, property } = collection;
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
  elementAtoms(node.predicate, scope, node.quantifier === 'all', atoms);
  if (!atoms.length) atoms.push(NOTHING(base));
  if (node.quantifier === 'all') return { $nor: atoms };
  return atoms.length === 1 ? atoms[0] : { $or: atoms };
}

function refusal(scope: LambdaScope, position: number): Refusal {
  return (what, why) => {
    throw odataError(
      '$filter',
      `${what} is not supported inside ${scope.name}/${scope.quantifier}() (position ${position}): ${why}.`,
    );
  };
}

/**
 * Conditions on one collection element, each an `or` of atoms that say "some element satisfies …".
 * Without $elemMatch (see the rules in filter-translator.ts), one atom is one operator on a dot path, which
 * an array matches when any element does; so conditions on an element may only be joined with `or` inside
 * any() (`and` inside all()). `negated` is true when the caller needs `not node` (all() starts negated: it is not any(not P)).
 * A negated condition holds for an element whose member is missing, and no dot path finds such an
 * element on every engine (FerretDB matches `{'a.b': null}` only when no element has `b`): those are
 * refused on complex elements' optional members. Primitive elements are never null, nor are the members
 * a model declares required.
 */
function elementAtoms(node: FilterNode, scope: LambdaScope, negated: boolean, out: MongoFilter[]): void {
  const unsupported = refusal(scope, node.position);
  switch (node.kind) {
    case 'or':
    case 'and':
      if ((node.kind === 'or') === negated) {
        return unsupported(
          `'${node.kind}'`,
          `each condition is decided for one element, so conditions on it can be joined with 'or' inside any() and with 'and' inside all() (under 'not', the other way round); for one of several values use in (…)`,
        );
      }
      elementAtoms(node.left, scope, negated, out);
      elementAtoms(node.right, scope, negated, out);
      return;
    case 'not':
      elementAtoms(node.operand, scope, !negated, out);
      return;
    case 'compare':
      return comparisonAtoms(node, scope, negated, out, unsupported);
    case 'in':
      return inListAtoms(node, scope, negated, out, unsupported);
    case 'call':
      return stringMatchAtoms(node, scope, negated, out, unsupported);
    default:
      return unsupported(
        node.kind === 'lambda' ? 'A nested lambda' : 'This condition',
        `compare the element with eq, ne, gt, ge, lt, le or in, or use contains(), startswith() or endswith()`,
      );
  }
}

function comparisonAtoms(
  node: ComparisonNode,
  scope: LambdaScope,
  negated: boolean,
  out: MongoFilter[],
  unsupported: Refusal,
): void {
  const { left, right, operator } = propertyFirst(node);
  const element = elementOperand(left, scope);
  const literal = comparedLiteral(right, operator);
  if (isNullLiteral(literal)) {
    return unsupported(
      'Comparing with null',
      `compare the element with a value, or test for an empty collection with ${scope.name}/any()`,
    );
  }
  // The comparison each atom must express: the one written, or its complement when negated.
  const wanted = negated ? COMPLEMENT[operator] : operator;
  const holdsForMissing = negated ? operator !== 'ne' : operator === 'ne';
  if (holdsForMissing) requireMember(element, scope, unsupported);
  const value = storedValue(literal, element.type, element.label);
  if (wanted === 'eq') out.push({ [element.path]: { $eq: value } });
  // Elements of one collection have one type, and MongoDB compares within a type only.
  else if (wanted === 'ne') out.push({ [element.path]: { $lt: value } }, { [element.path]: { $gt: value } });
  else out.push({ [element.path]: { [ORDER_OPERATORS[wanted]]: value } });
}

function inListAtoms(
  node: InNode,
  scope: LambdaScope,
  negated: boolean,
  out: MongoFilter[],
  unsupported: Refusal,
): void {
  const element = elementOperand(node.operand, scope);
  const values = node.items.map((item) => {
    if (isNullLiteral(item))
      return unsupported('null in a list', 'inside a lambda, compare with values only');
    return storedValue(item, element.type, element.label);
  });
  if (!negated) {
    out.push({ [element.path]: { $in: values } });
    return;
  }
  requireMember(element, scope, unsupported);
  if (values.length === 1) {
    out.push({ [element.path]: { $lt: values[0] } }, { [element.path]: { $gt: values[0] } });
  } else if (values.every((value) => typeof value === 'string')) {
    out.push(elementRegex(element.path, notOneOf(values)!, node.position));
  } else {
    unsupported(
      `'in' with several ${element.type} values`,
      `an element outside such a list cannot be found without a per-element test; 'in' inside all() (or 'not … in' inside any()) works on text values, 'eq', 'ne', 'gt', 'ge', 'lt' and 'le' on every type`,
    );
  }
}

function stringMatchAtoms(
  node: BooleanCallNode,
  scope: LambdaScope,
  negated: boolean,
  out: MongoFilter[],
  unsupported: Refusal,
): void {
  const element = elementOperand(node.args[0], scope);
  if (element.type !== 'Edm.String')
    return unsupported(`${node.name}() on a non-string value`, `${node.name}() needs text`);
  if (!negated) {
    out.push(elementRegex(element.path, regexFor(node), node.position));
    return;
  }
  if (node.name === 'contains') {
    return unsupported(
      scope.quantifier === 'all' ? 'contains()' : 'not contains()',
      `finding an element that does not contain a text needs a per-element negated match that not every supported database has; startswith(), endswith(), eq, ne and in work, and 'not ${scope.name}/any(${scope.variable}: contains(…))' finds those where no element contains the text`,
    );
  }
  requireMember(element, scope, unsupported);
  const { text } = stringPattern(node);
  const pattern = node.name === 'startswith' ? notOneOf([text], true) : notSuffixedBy(text);
  // Every text starts and ends with '': then no element violates the condition.
  if (pattern !== undefined) out.push(elementRegex(element.path, pattern, node.position));
}

/** Refuses a negated condition on a complex element's member that may be missing (see elementAtoms). */
function requireMember(element: ElementOperand, scope: LambdaScope, unsupported: Refusal): void {
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
function elementRegex(path: string, pattern: string, position: number): MongoFilter {
  if (pattern.length > ODATA_LIMITS.maxElementPatternLength) {
    throw odataError(
      '$filter',
      `The condition at position ${position} in $filter is too long to be matched on each element; use fewer or shorter values.`,
    );
  }
  return { [path]: { $in: [new RegExp(pattern)] } };
}

/** The element (or element member) a lambda condition is about, with its type and database path. */
function elementOperand(value: ValueNode, scope: LambdaScope): ElementOperand {
  if (value.kind === 'function' && (value.name === 'tolower' || value.name === 'toupper')) {
    const inner = elementOperand(singleArgument(value), scope);
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
