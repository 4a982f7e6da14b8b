import fc from 'fast-check';
import { ApiError } from '../common/errors/api-error';
import { personModel } from '../../test/support/odata-person';
import { parseFilter } from './filter-parser';
import { translateFilter } from './filter-translator';
import { ODATA_LIMITS } from './limits';
import { parseODataQuery, readODataRequest, type RawQuery } from './odata-query';
import { findDisallowedOperators } from './operator-allow-list';

const run = (options: RawQuery) =>
  parseODataQuery(readODataRequest(options, 'http://h/api/v1/people', 'http://h'), personModel);

function expectBadRequest(options: RawQuery, message?: RegExp): ApiError {
  let caught: unknown;
  try {
    run(options);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ApiError);
  expect((caught as ApiError).getStatus()).toBe(400);
  if (message) expect((caught as ApiError).message).toMatch(message);
  return caught as ApiError;
}

const orChain = (terms: number) => Array.from({ length: terms }, (_, i) => `age eq ${i}`).join(' or ');

// How fast these are refused is measured by `npm run bench:odata`, not here.
describe('abuse: oversized input is a 400', () => {
  it.each([
    ['10 000-term or chain', { $filter: orChain(10_000) }, /longer than 4096/],
    ['or chain just under the length limit', { $filter: orChain(300).slice(0, 4000) }, /too complex|tokens/],
    ['1000 nested parentheses', { $filter: `${'('.repeat(1000)}age eq 1${')'.repeat(1000)}` }, /too complex/],
    ['20 nested parentheses', { $filter: `${'('.repeat(20)}age eq 1${')'.repeat(20)}` }, /nested too deeply/],
    ['1000 unclosed parentheses', { $filter: `${'('.repeat(1000)}age eq 1` }, /too complex/],
    [
      'nested functions',
      { $filter: `${'tolower('.repeat(20)}displayName${')'.repeat(20)} eq 'x'` },
      /nested too deeply/,
    ],
    ['not chain', { $filter: `${'not '.repeat(500)}isActive` }, /too complex/],
    ['huge literal', { $filter: `displayName eq '${'x'.repeat(100_000)}'` }, /longer than 4096/],
    ['literal over the literal limit', { $filter: `displayName eq '${'x'.repeat(600)}'` }, /longer than 512/],
    [
      'huge in list',
      { $filter: `age in (${Array.from({ length: 250 }, (_, i) => i).join(',')})` },
      /more than 200 items/,
    ],
    ['huge $orderby', { $orderby: 'age,'.repeat(2000) }, /longer than 4096/],
    ['huge $select', { $select: 'age,'.repeat(2000) }, /longer than 4096/],
    ['huge $search', { $search: 'a '.repeat(3000) }, /longer than 4096/],
    ['many $search terms', { $search: 'a '.repeat(100) }, /at most 10 terms/],
    ['huge $skiptoken', { $skiptoken: 'x'.repeat(10_000) }, /longer than 4096/],
    ['huge unknown option', { $apply: 'x'.repeat(10_000) }, /not supported/],
  ])('%s', (_name, options, message) => {
    expectBadRequest(options, message);
  });

  it('accepts the deepest and the widest $filter within the limits', () => {
    const deep = `${'('.repeat(ODATA_LIMITS.maxNestingDepth - 1)}age eq 1 and displayName eq 'x'${')'.repeat(ODATA_LIMITS.maxNestingDepth - 1)}`;
    const wide = Array.from({ length: 39 }, (_, i) => `age eq ${i}`).join(' or ');
    for (const filter of [deep, wide]) expect(() => run({ $filter: filter })).not.toThrow();
  });
});

describe('abuse: hostile content is a 400 or harmless', () => {
  it.each([
    ['$where option', { $where: 'this.a == 1' }, /'\$where' is not supported/],
    ['$where in a filter', { $filter: '$where eq 1' }, /not allowed/],
    ['JSON operator object', { $filter: 'displayName eq {"$gt":""}' }, /JSON objects/],
    ['JSON operator object in a list', { $filter: 'age in ({"$gt":0})' }, /JSON objects/],
    ['unknown function', { $filter: "evil(displayName) eq 'x'" }, /Unknown function 'evil'/],
    ['broken quotes', { $filter: "displayName eq 'it's'" }, /position/],
    ['unterminated string', { $filter: "displayName eq 'abc" }, /never closed/],
    ['control character', { $filter: "displayName eq 'a\u0007'" }, /control character U\+0007/],
    ['NUL in $orderby', { $orderby: 'age\u0000' }, /control character/],
    ['lone surrogate (not UTF-8)', { $filter: "displayName eq '\udc00'" }, /unpaired surrogate/],
    ['duplicated option', { $top: ['1', '2'] }, /more than once/],
    ['JavaScript', { $filter: 'function() { return true }' }, /position/],
    [
      'prototype pollution name',
      { $filter: "__proto__ eq 'x'" },
      /Could not find a property named '__proto__'/,
    ],
    ['constructor name', { $select: 'constructor' }, /Could not find a property named 'constructor'/],
  ])('%s', (_name, options, message) => {
    expectBadRequest(options, message);
  });

  it.each(['.*', '(', '\\', '^$', '[', '?', '+', '{1}', '|', '$'])('escapes %j in contains', (text) => {
    const query = run({ $filter: `contains(displayName,'${text.replace(/'/g, "''")}')` });
    const regex = (query.filter as any)['norm.displayName'].$regex as string;
    expect(new RegExp(regex).test(`a${text}b`)).toBe(true);
    expect(new RegExp(regex).test('ab')).toBe(false);
  });

  it('turns arbitrary text into a 400 or a query with allowed operators, never another error', () => {
    const pieces = fc.constantFrom(
      'displayName',
      'age',
      'categories/any(c: c eq ',
      'emailAddresses/all(e: ',
      'e/address',
      ' eq ',
      ' ne ',
      ' gt ',
      ' and ',
      ' or ',
      'not ',
      '(',
      ')',
      "'",
      "''",
      ',',
      'null',
      '1',
      '-2.5',
      'true',
      'contains(',
      'length(',
      'year(',
      'month(',
      'tolower(',
      ' in (',
      '2024-01-01',
      '$it',
      '@a',
      '/',
      ':',
      ' ',
      '{',
      '"',
      'é',
      '\\',
      'in',
      'any()',
      'x',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(pieces, { maxLength: 25 }).map((parts) => parts.join('')),
          fc.string({ unit: 'binary', maxLength: 60 }),
        ),
        (filter) => {
          try {
            const query = run({ $filter: filter });
            expect(findDisallowedOperators(query.filter)).toEqual([]);
          } catch (error) {
            if (!(error instanceof ApiError) || error.getStatus() !== 400) throw error;
          }
        },
      ),
      { numRuns: 3000, seed: 99 },
    );
  });

  it('parses and translates a filter tree once more from the same text identically', () => {
    const text = "displayName eq 'x' and categories/any(c: c eq 'y')";
    expect(translateFilter(parseFilter(text), personModel)).toEqual(
      translateFilter(parseFilter(text), personModel),
    );
  });
});
