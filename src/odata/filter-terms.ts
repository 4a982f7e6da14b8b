import type {
  BooleanCallNode,
  ComparisonNode,
  ComparisonOperator,
  FunctionNode,
  LiteralNode,
  ValueNode,
} from './ast';
import type { EdmPrimitiveType, MongoFilter } from './entity-model';
import { literalValue, type LiteralValue } from './literals';
import { escapeRegex, foldText, normalizeText } from './normalize';
import { odataError } from './odata-error';

/*
 * The terms of a condition as both the filter translator and the lambda translator read them: operator
 * tables, the literal side of a comparison, function arguments and text patterns.
 */

export const ORDER_OPERATORS: Record<'gt' | 'ge' | 'lt' | 'le', string> = {
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
/** Matches nothing: an empty `$in` (FerretDB and MongoDB both accept it). */
export const NOTHING = (path: string): MongoFilter => ({ [path]: { $in: [] } });

/** A comparison written `literal op property` turned round, so that the property (if any) is on the left. */
export function propertyFirst(node: ComparisonNode): {
  left: ValueNode;
  right: ValueNode;
  operator: ComparisonOperator;
} {
  const { left, right, operator } = node;
  if (left.kind === 'literal' && right.kind !== 'literal')
    return { left: right, right: left, operator: FLIPPED[operator] };
  return { left, right, operator };
}

/** The compared value, which must be a literal. */
export function comparedLiteral(value: ValueNode, operator: string): LiteralNode {
  if (value.kind !== 'literal') {
    throw odataError(
      '$filter',
      `The value compared with '${operator}' at position ${value.position} must be a literal; comparing two properties is not supported.`,
    );
  }
  return value;
}

/** A literal as stored: converted to the property type, strings normalized. */
export function storedValue(literal: LiteralNode, type: EdmPrimitiveType, name: string): LiteralValue {
  const value = literalValue(literal, type, name);
  return typeof value === 'string' && type === 'Edm.String' ? normalizeText(value) : value;
}

export function singleArgument(call: FunctionNode): ValueNode {
  if (call.args.length !== 1)
    throw odataError('$filter', `${call.name}() takes one argument (position ${call.position}).`);
  return call.args[0];
}

/** The text searched for by contains()/startswith()/endswith(), folded as stored and escaped for a regex. */
export function stringPattern(
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

export function regexFor(node: BooleanCallNode): string {
  const { needle } = stringPattern(node);
  // Normalized keys are trimmed, so `$` (end, or before a final newline in PCRE) is exact here.
  return node.name === 'startswith' ? `^${needle}` : node.name === 'endswith' ? `${needle}$` : needle;
}
