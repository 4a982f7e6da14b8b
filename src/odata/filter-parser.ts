import {
  countNodes,
  type ComparisonOperator,
  type FilterNode,
  type LambdaNode,
  type LiteralNode,
  type PathNode,
  type ValueNode,
} from './ast';
import { prepareFilter, type PreparedFilter } from './filter-lexer';
import { ODATA_LIMITS } from './limits';
import { odataError, quoteInput } from './odata-error';
import { parseFilterTokens, parserErrorPosition, type ParserToken } from './odata-v4-parser';

const COMPARISONS: Record<string, ComparisonOperator> = {
  EqualsExpression: 'eq',
  NotEqualsExpression: 'ne',
  GreaterThanExpression: 'gt',
  GreaterOrEqualsExpression: 'ge',
  LesserThanExpression: 'lt',
  LesserOrEqualsExpression: 'le',
};

const UNSUPPORTED_CONSTRUCTS: Record<string, string> = {
  HasExpression: "the 'has' operator",
  AddExpression: 'arithmetic (add)',
  SubExpression: 'arithmetic (sub)',
  MulExpression: 'arithmetic (mul)',
  DivExpression: 'arithmetic (div)',
  ModExpression: 'arithmetic (mod)',
  NegateExpression: 'negation of an expression',
  IsOfExpression: 'isof()',
  CastExpression: 'cast()',
  ArrayOrObject: 'JSON arrays and objects',
  RootExpression: '$root',
  FunctionExpression: 'bound functions',
  ParameterAlias: 'parameter aliases',
  CountExpression: '/$count',
  CollectionNavigationExpression: 'key predicates and navigation',
  ComplexPathExpression: 'type casts in paths',
  SinglePathExpression: 'bound functions',
  ImplicitVariableExpression: '$it',
};

/** Parses `$filter` text into the engine's tree; every problem is a 400 naming `$filter`. */
export function parseFilter(text: string): FilterNode {
  if (text.length > ODATA_LIMITS.maxOptionLength) {
    throw odataError('$filter', `$filter is longer than ${ODATA_LIMITS.maxOptionLength} characters.`);
  }
  const prepared = prepareFilter(text);
  let token: ParserToken;
  try {
    token = parseFilterTokens(prepared.masked);
  } catch (error) {
    throw parserError(prepared, error);
  }
  let tree: FilterNode;
  try {
    tree = new TreeBuilder(prepared).condition(token);
  } catch (error) {
    if (error instanceof Error && 'getStatus' in error) throw error;
    throw odataError('$filter', `$filter could not be understood near position ${token.position}.`);
  }
  const nodes = countNodes(tree);
  if (nodes > ODATA_LIMITS.maxAstNodes) {
    throw odataError(
      '$filter',
      `$filter is too complex: ${nodes} nodes, at most ${ODATA_LIMITS.maxAstNodes} are allowed.`,
    );
  }
  return tree;
}

function parserError(prepared: PreparedFilter, error: unknown): Error {
  const position = parserErrorPosition(error) ?? 0;
  const rest = prepared.source.slice(position).trimStart();
  const at = prepared.source.length - rest.length;
  if (!rest)
    return odataError('$filter', `Syntax error at position ${at} in $filter: the expression is incomplete.`);
  return odataError(
    '$filter',
    `Syntax error at position ${at} in $filter: ${quoteInput(rest, 20)} cannot be parsed here; expected a condition such as "name eq 'x'", "contains(name,'x')" or "tags/any(t: t eq 'x')", joined by 'and'/'or'.`,
  );
}

type FlatItem = { op: 'and' | 'or' | 'not'; position: number } | { node: FilterNode };

/** Builds the engine tree from parser tokens (the parser's output is trusted for shape only). */
class TreeBuilder {
  private lambdaVariable: string | undefined;

  constructor(private readonly prepared: PreparedFilter) {}

  /**
   * The parser lets `not` swallow everything to its right (`not a and b` becomes `not (a and b)`) and
   * chains and/or to the right. Its token order is still the source order, so the tree is flattened to
   * operands and operators and rebuilt with OData precedence: not > and > or, left-associative.
   */
  condition(token: ParserToken): FilterNode {
    const items: FlatItem[] = [];
    this.flatten(token, items);
    let index = 0;
    const parseOr = (): FilterNode => {
      let left = parseAnd();
      while (index < items.length && 'op' in items[index] && (items[index] as { op: string }).op === 'or') {
        const position = (items[index] as { position: number }).position;
        index++;
        left = { kind: 'or', left, right: parseAnd(), position };
      }
      return left;
    };
    const parseAnd = (): FilterNode => {
      let left = parseUnary();
      while (index < items.length && 'op' in items[index] && (items[index] as { op: string }).op === 'and') {
        const position = (items[index] as { position: number }).position;
        index++;
        left = { kind: 'and', left, right: parseUnary(), position };
      }
      return left;
    };
    const parseUnary = (): FilterNode => {
      const item = items[index++];
      if ('op' in item) return { kind: 'not', operand: parseUnary(), position: item.position };
      return item.node;
    };
    return parseOr();
  }

  private flatten(token: ParserToken, items: FlatItem[]): void {
    switch (token.type) {
      case 'AndExpression':
      case 'OrExpression':
        this.flatten(token.value.left, items);
        items.push({
          op: token.type === 'AndExpression' ? 'and' : 'or',
          position: token.value.right.position,
        });
        this.flatten(token.value.right, items);
        return;
      case 'NotExpression':
        items.push({ op: 'not', position: token.position });
        this.flatten(token.value, items);
        return;
      default:
        items.push({ node: this.operand(token) });
    }
  }

  private operand(token: ParserToken): FilterNode {
    const comparison = COMPARISONS[token.type];
    if (comparison) {
      const right = token.value.right as ParserToken;
      if (comparison === 'eq' && right.type === 'ParameterAlias') {
        const items = this.prepared.inLists.get(right.position);
        if (items)
          return { kind: 'in', operand: this.value(token.value.left), items, position: token.position };
      }
      return {
        kind: 'compare',
        operator: comparison,
        left: this.value(token.value.left),
        right: this.value(right),
        position: token.position,
      };
    }
    switch (token.type) {
      case 'BoolParenExpression':
        return this.condition(token.value);
      case 'MethodCallExpression': {
        const name = token.value.method as string;
        if (name !== 'contains' && name !== 'startswith' && name !== 'endswith') {
          throw this.unsupported(token, `${name}() is not a condition; compare it, e.g. ${name}(…) eq …`);
        }
        return { kind: 'call', name, args: this.args(token), position: token.position };
      }
      case 'CommonExpression': {
        let inner = token.value as ParserToken;
        while (inner.type === 'ParenExpression' || inner.type === 'CommonExpression') inner = inner.value;
        if (inner.type !== 'FirstMemberExpression') {
          throw this.unsupported(
            inner,
            `${quoteInput(this.text(inner))} is not a condition; compare it with a value`,
          );
        }
        const value = this.member(inner);
        if (value.kind === 'lambda') return value;
        if (value.kind === 'path') return { kind: 'boolProperty', path: value, position: token.position };
        throw this.unsupported(token, `${quoteInput(this.text(token))} is not a condition`);
      }
      default:
        throw this.unsupported(token);
    }
  }

  private args(token: ParserToken): ValueNode[] {
    return ((token.value.parameters ?? []) as ParserToken[]).map((parameter) => this.value(parameter));
  }

  private value(token: ParserToken): ValueNode {
    switch (token.type) {
      case 'Literal':
        return this.literal(token);
      case 'MethodCallExpression':
        return {
          kind: 'function',
          name: token.value.method,
          args: this.args(token),
          position: token.position,
        };
      case 'ParenExpression':
        return this.value(token.value);
      case 'CommonExpression':
        return this.value(token.value);
      case 'FirstMemberExpression': {
        const member = this.member(token);
        if (member.kind === 'lambda') throw this.unsupported(token, 'a lambda (any/all) cannot be compared');
        return member;
      }
      default:
        throw this.unsupported(token);
    }
  }

  private literal(token: ParserToken): LiteralNode {
    return {
      kind: 'literal',
      literalType: String(token.value),
      text: this.prepared.source.slice(token.position, token.next),
      position: token.position,
    };
  }

  /** A member path, possibly starting with a lambda variable and possibly ending with any()/all(). */
  private member(token: ParserToken): PathNode | LambdaNode {
    if (token.type !== 'FirstMemberExpression') {
      if (token.type === 'Literal')
        throw this.unsupported(token, `the literal ${quoteInput(this.text(token))} is not a condition`);
      throw this.unsupported(token);
    }
    const value = token.value;
    const segments: string[] = [];
    let lambdaVariable: string | undefined;
    let memberToken: ParserToken | undefined;
    if (Array.isArray(value)) {
      const [variable, member] = value as ParserToken[];
      lambdaVariable = this.variableName(variable);
      memberToken = member;
    } else if ((value as ParserToken).type === 'LambdaVariableExpression') {
      lambdaVariable = this.variableName(value);
    } else {
      memberToken = value;
    }
    if (lambdaVariable !== undefined && lambdaVariable !== this.lambdaVariable) {
      // Inside a lambda the parser reads every first identifier as a variable; outside names are properties.
      segments.push(lambdaVariable);
      lambdaVariable = undefined;
    }
    const path: PathNode = { kind: 'path', segments, lambdaVariable, position: token.position };
    return memberToken ? this.memberPath(memberToken, path) : path;
  }

  private variableName(token: ParserToken): string {
    if (token.type !== 'LambdaVariableExpression') throw this.unsupported(token);
    return token.value.name as string;
  }

  private memberPath(token: ParserToken, path: PathNode): PathNode | LambdaNode {
    if (token.type !== 'MemberExpression' || token.value?.type !== 'PropertyPathExpression')
      throw this.unsupported(token);
    const property = token.value as ParserToken;
    if (property.value?.type === 'ODataIdentifier') {
      path.segments.push(property.value.value.name);
      return path;
    }
    const current = property.value?.current as ParserToken | undefined;
    const next = property.value?.next as ParserToken | undefined;
    if (current?.type !== 'ODataIdentifier' || !next) throw this.unsupported(property);
    path.segments.push(current.value.name);
    if (next.type === 'SingleNavigationExpression') return this.memberPath(next.value, path);
    if (next.type === 'CollectionPathExpression') {
      const lambda = next.value as ParserToken;
      if (lambda.type !== 'AnyExpression' && lambda.type !== 'AllExpression') throw this.unsupported(lambda);
      return this.lambda(lambda, path);
    }
    throw this.unsupported(next);
  }

  private lambda(token: ParserToken, collection: PathNode): LambdaNode {
    const quantifier = token.type === 'AnyExpression' ? 'any' : 'all';
    if (this.lambdaVariable !== undefined)
      throw this.unsupported(token, 'any()/all() inside another any()/all() is not supported');
    const variableToken = token.value.variable as ParserToken | undefined;
    if (!variableToken) return { kind: 'lambda', quantifier, collection, position: collection.position };
    const variable = this.variableName(variableToken);
    this.lambdaVariable = variable;
    try {
      const predicate = this.condition(token.value.predicate.value as ParserToken);
      return { kind: 'lambda', quantifier, collection, variable, predicate, position: collection.position };
    } finally {
      this.lambdaVariable = undefined;
    }
  }

  private text(token: ParserToken): string {
    return this.prepared.source.slice(token.position, token.next);
  }

  private unsupported(token: ParserToken, what?: string): Error {
    const message =
      what ?? `${UNSUPPORTED_CONSTRUCTS[token.type] ?? quoteInput(this.text(token))} is not supported`;
    return odataError(
      '$filter',
      `${message[0].toUpperCase()}${message.slice(1)} (position ${token.position} in $filter).`,
    );
  }
}
