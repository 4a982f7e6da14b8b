/**
 * The engine's own `$filter` syntax tree, built from odata-v4-parser's tokens. It is small and typed so
 * that the translator (and tests' reference evaluators) never see the parser's loose token shapes.
 * `position` is the 0-based offset in the option's text.
 */

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

/** The literal kinds the parser recognises (`Edm.Int16`, `Edm.String`, `null`, …) with their source text. */
export interface LiteralNode {
  kind: 'literal';
  /** The parser's type name, e.g. `Edm.String`, `Edm.SByte`, `Edm.DateTimeOffset` or `null`. */
  literalType: string;
  /** The literal exactly as written (strings with their quotes and doubled quotes). */
  text: string;
  position: number;
}

/** A property path: `displayName`, `customFields/industry`, or `e/address` inside a lambda. */
export interface PathNode {
  kind: 'path';
  segments: string[];
  /** Set when the path starts with the enclosing lambda's variable (the variable is not in `segments`). */
  lambdaVariable?: string;
  position: number;
}

/** A value-returning function call: `tolower`, `toupper`, `length`, `year`, `month`, `day`. */
export interface FunctionNode {
  kind: 'function';
  name: string;
  args: ValueNode[];
  position: number;
}

export type ValueNode = LiteralNode | PathNode | FunctionNode;

export interface LogicalNode {
  kind: 'and' | 'or';
  left: FilterNode;
  right: FilterNode;
  position: number;
}

export interface NotNode {
  kind: 'not';
  operand: FilterNode;
  position: number;
}

export interface ComparisonNode {
  kind: 'compare';
  operator: ComparisonOperator;
  left: ValueNode;
  right: ValueNode;
  position: number;
}

/** OData 4.01 `<value> in (<literal>, …)`. */
export interface InNode {
  kind: 'in';
  operand: ValueNode;
  items: LiteralNode[];
  position: number;
}

/** A boolean function call: `contains`, `startswith`, `endswith`. */
export interface BooleanCallNode {
  kind: 'call';
  name: 'contains' | 'startswith' | 'endswith';
  args: ValueNode[];
  position: number;
}

/** `collection/any(v: …)`, `collection/any()` or `collection/all(v: …)`. */
export interface LambdaNode {
  kind: 'lambda';
  quantifier: 'any' | 'all';
  collection: PathNode;
  variable?: string;
  predicate?: FilterNode;
  position: number;
}

/** A bare boolean property used as a condition, e.g. `isFavorite`. */
export interface BooleanPropertyNode {
  kind: 'boolProperty';
  path: PathNode;
  position: number;
}

export type FilterNode =
  LogicalNode | NotNode | ComparisonNode | InNode | BooleanCallNode | LambdaNode | BooleanPropertyNode;

/** Counts nodes of a filter tree (values included), for the size limit. */
export function countNodes(node: FilterNode | ValueNode): number {
  switch (node.kind) {
    case 'and':
    case 'or':
      return 1 + countNodes(node.left) + countNodes(node.right);
    case 'not':
      return 1 + countNodes(node.operand);
    case 'compare':
      return 1 + countNodes(node.left) + countNodes(node.right);
    case 'in':
      return 1 + countNodes(node.operand) + node.items.length;
    case 'call':
    case 'function':
      return 1 + node.args.reduce((sum, arg) => sum + countNodes(arg), 0);
    case 'lambda':
      return 2 + (node.predicate ? countNodes(node.predicate) : 0);
    case 'boolProperty':
      return 2;
    default:
      return 1;
  }
}
