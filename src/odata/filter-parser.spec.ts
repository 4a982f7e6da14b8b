import { ApiError } from '../common/errors/api-error';
import type { FilterNode } from './ast';
import { parseFilter } from './filter-parser';

/** A compact rendering of the tree, to assert structure and precedence. */
function show(node: FilterNode): string {
  const value = (v: any): string =>
    v.kind === 'literal'
      ? v.text
      : v.kind === 'path'
        ? `${v.lambdaVariable ? `${v.lambdaVariable}:` : ''}${v.segments.join('/')}`
        : `${v.name}(${v.args.map(value).join(',')})`;
  switch (node.kind) {
    case 'and':
    case 'or':
      return `(${show(node.left)} ${node.kind} ${show(node.right)})`;
    case 'not':
      return `not ${show(node.operand)}`;
    case 'compare':
      return `${value(node.left)} ${node.operator} ${value(node.right)}`;
    case 'in':
      return `${value(node.operand)} in [${node.items.map((item) => `${item.literalType}:${item.text}`).join(' ')}]`;
    case 'call':
      return `${node.name}(${node.args.map(value).join(',')})`;
    case 'lambda':
      return `${node.collection.segments.join('/')}/${node.quantifier}(${node.variable ?? ''}${node.predicate ? `: ${show(node.predicate)}` : ''})`;
    case 'boolProperty':
      return `?${node.path.segments.join('/')}`;
  }
}

function error(text: string): ApiError {
  try {
    parseFilter(text);
  } catch (caught) {
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).getStatus()).toBe(400);
    expect((caught as ApiError).target).toBe('$filter');
    return caught as ApiError;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('parseFilter: precedence', () => {
  it.each([
    ['a eq 1 and b eq 2 or c eq 3', '((a eq 1 and b eq 2) or c eq 3)'],
    ['a eq 1 or b eq 2 and c eq 3', '(a eq 1 or (b eq 2 and c eq 3))'],
    ['not a eq 1 and b eq 2', '(not a eq 1 and b eq 2)'],
    ['x eq 0 and not a eq 1 or b eq 2', '((x eq 0 and not a eq 1) or b eq 2)'],
    ['not (a eq 1 and b eq 2)', 'not (a eq 1 and b eq 2)'],
    ['a eq 1 and b eq 2 and c eq 3', '((a eq 1 and b eq 2) and c eq 3)'],
    ['not not flag', 'not not ?flag'],
    ['(flag)', '?flag'],
    ["'x' eq name", "'x' eq name"],
    [
      'a eq 1 or b eq 2 or c eq 3 and d eq 4 or e eq 5',
      '(((a eq 1 or b eq 2) or (c eq 3 and d eq 4)) or e eq 5)',
    ],
  ])('%s', (text, expected) => {
    expect(show(parseFilter(text))).toBe(expected);
  });
});

describe('parseFilter: the in operator (OData 4.01 extension of odata-v4-parser)', () => {
  it.each([
    ["name in ('a', 'b')", "name in [Edm.String:'a' Edm.String:'b']"],
    ["name in ('a')", "name in [Edm.String:'a']"],
    ['age in (1,2, -3 ,null)', 'age in [Edm.Int32:1 Edm.Int32:2 Edm.Int32:-3 null:null]'],
    ["tolower(name) in ('x') and age eq 1", "(tolower(name) in [Edm.String:'x'] and age eq 1)"],
    [
      "not (name in ('x', 'it''s', 'in (y)'))",
      "not name in [Edm.String:'x' Edm.String:'it''s' Edm.String:'in (y)']",
    ],
    ["tags/any(t: t in ('a','b'))", "tags/any(t: t: in [Edm.String:'a' Edm.String:'b'])"],
    ["name in('a')", "name in [Edm.String:'a']"],
    [
      'd in (2024-01-01, 2024-01-02T10:00:00Z)',
      'd in [Edm.Date:2024-01-01 Edm.DateTimeOffset:2024-01-02T10:00:00Z]',
    ],
    ['g in (01234567-89ab-cdef-0123-456789abcdef)', 'g in [Edm.Guid:01234567-89ab-cdef-0123-456789abcdef]'],
    ["name eq 'in (1)' or name in ('a')", "(name eq 'in (1)' or name in [Edm.String:'a'])"],
  ])('%s', (text, expected) => {
    expect(show(parseFilter(text))).toBe(expected);
  });

  it.each([
    ['name in ()', /needs|literals/],
    ['name in (a)', /not a literal/],
    ["name in ('a' 'b')", /expected ',' or '\)'/],
    ["name in (('a'))", /only contain literals/],
    ["name in ('a', contains(x,'y'))", /not a literal|only contain literals/],
    ['name in', /list of literals/],
    ["name)in ('a')", /no matching|space before/],
  ])('rejects %s', (text, message) => {
    expect(error(text).message).toMatch(message);
  });
});

describe('parseFilter: values, paths and lambdas', () => {
  it.each([
    ["contains(displayName,'Zo')", "contains(displayName,'Zo')"],
    [
      "emailAddresses/any(e: endswith(e/address,'@contoso.com'))",
      "emailAddresses/any(e: endswith(e:address,'@contoso.com'))",
    ],
    ["categories/any(c: c eq 'Supplier')", "categories/any(c: c: eq 'Supplier')"],
    ['categories/any()', 'categories/any()'],
    ["categories/all(c : c ne 'x')", "categories/all(c: c: ne 'x')"],
    ["customFields/industry eq 'IT'", "customFields/industry eq 'IT'"],
    ["name eq 'é😀 \"#&[]{}%27'", "name eq 'é😀 \"#&[]{}%27'"],
    ['year(d) eq 2024 and length(name) gt 3', '(year(d) eq 2024 and length(name) gt 3)'],
    ['a eq null', 'a eq null'],
    ['tags/any(t: t eq x)', 'tags/any(t: t: eq x)'],
  ])('%s', (text, expected) => {
    expect(show(parseFilter(text))).toBe(expected);
  });

  it('keeps literal text and positions from the original input', () => {
    const node = parseFilter("name eq 'Łukasz ''x'''");
    expect(node).toMatchObject({
      kind: 'compare',
      right: { kind: 'literal', text: "'Łukasz ''x'''", position: 8 },
    });
  });
});

describe('parseFilter: errors name the position and what was expected', () => {
  it.each([
    ["name eq 'x", /position 8.*never closed/],
    ['(a eq 1', /position 0.*never closed/],
    ['a eq 1)', /position 6.*no matching/],
    ["name eq 'x' and", /ends too early after 'and'/],
    ['and a eq 1', /position 0.*expected a value/],
    ['a eq eq 1', /position 5.*expected a value/],
    ['a b', /position 2.*expected an operator/],
    ['a eq 1 2', /position 7.*expected an operator/],
    ['foo(a) eq 1', /Unknown function 'foo' at position 0/],
    ['trim(a) eq 1', /'trim' at position 0.*not supported/],
    ['not(a eq 1)', /space after 'not'/],
    ['a = 1', /unexpected character '='.*eq/],
    ['a eq "x"', /single quotes/],
    ['a eq {"$gt":""}', /JSON objects/],
    ['a eq [1]', /JSON arrays/],
    ['$where eq 1', /'\$where' at position 0 is not allowed/],
    ['a add 1 eq 2', /arithmetic/i],
    ['a has 1', /has/],
    ['contains(a,b) eq true', /position 14/],
    ['a/any(x: x eq 1) eq true', /position/],
    ['any(x: x eq 1)', /must follow a collection/],
    ['a eq @p', /aliases/],
    ['$it/a eq 1', /\$it/],
    ['a eq 1 and\nb eq 2', /control character U\+000A at position 10/],
    ['a eq \ud800', /unpaired surrogate/],
    ['   ', /empty/],
    ['x/any(a: a/b/any(c: c eq 1))', /position 5/],
    ['tolower(a)', /not a condition/],
    ["'x'", /not a condition/],
    ['a eq 1 or', /ends too early/],
    ['a/b/ eq 1', /property name after '\/'/],
  ])('%s', (text, message) => {
    expect(error(text).message).toMatch(message);
  });
});

describe('parseFilter: the optional whitespace (BWS) of the OData ABNF', () => {
  it.each([
    // Lambdas: BWS after '(', around ':' and before ')'; odata-query writes `any(x:x eq …)`.
    ["categories/any(c:c eq 'Supplier')", "categories/any(c: c eq 'Supplier')"],
    ["categories/any(c :c eq 'Supplier')", "categories/any(c: c eq 'Supplier')"],
    ["categories/any(c : c eq 'Supplier')", "categories/any(c: c eq 'Supplier')"],
    ["categories/any( c:c eq 'Supplier' )", "categories/any(c: c eq 'Supplier')"],
    ["categories/any(\tc\t:\tc eq 'Supplier'\t)", "categories/any(c: c eq 'Supplier')"],
    ["categories/all(c:c eq 'Supplier')", "categories/all(c: c eq 'Supplier')"],
    ["categories/any(categories:categories eq 'x')", "categories/any(categories: categories eq 'x')"],
    ["categories/any(c:startswith(c,'a'))", "categories/any(c: startswith(c,'a'))"],
    ["categories/any(c:not (c eq 'a'))", "categories/any(c: not c eq 'a')"],
    ["categories/any(c:(c eq 'a'))", "categories/any(c: c eq 'a')"],
    ["categories/any(c:tolower(c) eq 'a')", "categories/any(c: tolower(c) eq 'a')"],
    ["categories/any(c:c in ('a','b'))", "categories/any(c: c in ('a','b'))"],
    ["categories/any(c:'a' eq c)", "categories/any(c: 'a' eq c)"],
    ["categories/any(c :'a' eq c)", "categories/any(c: 'a' eq c)"],
    ["emailAddresses/any(e:e/address eq 'a')", "emailAddresses/any(e: e/address eq 'a')"],
    ['ratings/any(r:r gt -1)', 'ratings/any(r: r gt -1)'],
    ['dates/any(d:d gt 2024-01-01T10:00:00Z)', 'dates/any(d: d gt 2024-01-01T10:00:00Z)'],
    ['categories/any( )', 'categories/any()'],
    // Parentheses, function arguments and `in` lists: BWS inside.
    ['( a eq 1 )', 'a eq 1'],
    ['(a eq 1 or ( b eq 2 ))', '(a eq 1 or b eq 2)'],
    ['( flag )', 'flag'],
    ["contains( name , 'x' )", "contains(name,'x')"],
    ["tolower( name ) eq 'x'", "tolower(name) eq 'x'"],
    ['age in ( 1 , 2 )', 'age in (1,2)'],
    ["name in ('a' ,'b',\t'c' )", "name in ('a','b','c')"],
    // Around operators: RWS, one or more spaces or tabs.
    ['a  eq  1   and\tb eq 2', '(a eq 1 and b eq 2)'],
    ['not  (a eq 1)', 'not (a eq 1)'],
    ['a  in  (1)', 'a in (1)'],
  ])('%s', (text, canonical) => {
    expect(show(parseFilter(text))).toBe(show(parseFilter(canonical)));
  });

  it('reads a literal glued to the lambda colon from the original text', () => {
    const node = parseFilter("categories/any(c:'Zoë' eq c)");
    expect(node).toMatchObject({
      kind: 'lambda',
      predicate: { kind: 'compare', left: { kind: 'literal', text: "'Zoë'", position: 17 } },
    });
  });

  it.each([
    // RWS is required around operators and after 'not'; no whitespace before '(' of a call or a lambda.
    ['not(a eq 1)', /position 3.*space after 'not'/],
    ['a eq 1and b eq 2', /position 10.*expected an operator/],
    ['(a eq 1)and(b eq 2)', /position 8/],
    ["contains (name,'x')", /position 9.*expected an operator/],
    ["categories/any (c: c eq 'x')", /position 15/],
    ["categories/ any(c: c eq 'x')", /property name after '\/'/],
    ["categories/any(c: c eq 'x' and :)", /position/],
    ["categories/any(: c eq 'x')", /position 11.*expected a lambda variable/],
    ["categories/any(c c eq 'x')", /position 11.*expected a lambda variable/],
  ])('still rejects %s', (text, message) => {
    expect(error(text).message).toMatch(message);
  });
});
