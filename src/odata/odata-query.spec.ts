import { ApiError } from '../common/errors/api-error';
import { personModel } from '../../test/support/odata-person';
import { defineEntityModel, extendEntityModel, prop } from './entity-model';
import { parseODataQuery, readODataRequest, type RawQuery } from './odata-query';

const parse = (query: RawQuery, model = personModel) =>
  parseODataQuery(readODataRequest(query, 'http://h/api/v1/people', 'http://h'), model);

function rejection(query: RawQuery, model = personModel): ApiError {
  try {
    parse(query, model);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).getStatus()).toBe(400);
    return error as ApiError;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

describe('query options', () => {
  it('has defaults: page of 50, order by id, no count', () => {
    const query = parse({});
    expect(query).toMatchObject({
      pageSize: 50,
      skip: 0,
      count: false,
      sort: { _id: 1 },
      filter: undefined,
      projection: undefined,
    });
  });

  it.each([
    [{ $top: '7' }, 7],
    [{ $top: '0' }, 0],
    [{ $top: '999' }, 999],
    [{ $top: '5000' }, 999],
  ])('$top %j gives a page of %i', (options, pageSize) => {
    expect(parse(options).pageSize).toBe(pageSize);
  });

  it.each([
    [{ $top: '-1' }, '$top', /non-negative integer/],
    [{ $top: 'abc' }, '$top', /non-negative integer/],
    [{ $top: '1e3' }, '$top', /non-negative integer/],
    [{ $skip: '10001' }, '$skip', /at most 10000.*\$skiptoken/],
    [{ $skip: '1', $skiptoken: 'x' }, '$skip', /cannot be combined/],
    [{ $count: 'yes' }, '$count', /'true' or 'false'/],
    [{ $count: 'TRUE' }, '$count', /'true' or 'false'/],
    [{ $where: 'x' }, '$where', /'\$where' is not supported/],
    [{ $expand: 'x' }, '$expand', /not supported/],
    [{ $format: 'json' }, '$format', /not supported/],
    [{ $filter: ['a eq 1', 'b eq 2'] }, '$filter', /more than once/],
    [{ $orderby: ['age', 'age'] }, '$orderby', /more than once/],
    [{ $filter: 'x'.repeat(5000) }, '$filter', /longer than 4096/],
    [{ $select: 'foo' }, '$select', /Could not find a property named 'foo' on type 'person'/],
    [{ $select: 'secret' }, '$select', /cannot be used in \$select/],
    [{ $select: 'age,,score' }, '$select', /position 4/],
    [{ $orderby: 'foo' }, '$orderby', /Could not find a property named 'foo'/],
    [{ $orderby: 'age sideways' }, '$orderby', /position 0.*asc' or 'desc'/],
    [{ $orderby: 'age, age desc' }, '$orderby', /twice/],
    [{ $orderby: 'categories' }, '$orderby', /cannot be used in \$orderby/],
    [{ $orderby: 'notes' }, '$orderby', /cannot be used in \$orderby/],
    [
      {
        $orderby: 'a,b,c,d,e,f'
          .split(',')
          .map(() => 'age')
          .join(','),
      },
      '$orderby',
      /twice/,
    ],
    [{ $search: '"unterminated' }, '$search', /never closed/],
    [{ $search: 'a OR b' }, '$search', /'OR'.*AND/],
    [{ $search: '   ' }, '$search', /empty/],
    [{ $filter: 'age eq 1\u0000' }, '$filter', /control character U\+0000/],
  ])('%j is a 400 on %s', (options, target, message) => {
    const error = rejection(options);
    expect(error.target).toBe(target);
    expect(error.message).toMatch(message);
  });

  it('$search is a 400 on a type without a search hook', () => {
    const plain = defineEntityModel({
      ...personModel,
      name: 'user',
      search: undefined,
      properties: { id: personModel.properties.id },
    });
    expect(rejection({ $search: 'x' }, plain).message).toBe("$search is not supported on type 'user'.");
  });

  it('parses $search terms and phrases (AND semantics) for the hook', () => {
    const query = parse({ $search: '"van der" Zoë AND smith' });
    expect(query.searchTerms).toEqual(['van der', 'Zoë', 'smith']);
    expect(query.filter).toEqual({
      $and: ['van der', 'zoe', 'smith'].map((needle) => ({
        $or: ['norm.displayName', 'norm.givenName', 'norm.surname'].map((path) => ({
          [path]: { $regex: needle },
        })),
      })),
    });
  });

  it('$count=true asks for a count, $count=false does not', () => {
    expect(parse({ $count: 'true' }).count).toBe(true);
    expect(parse({ $count: 'false' }).count).toBe(false);
  });

  it('$select projects the selected paths plus id, etag and sort keys', () => {
    const query = parse({ $select: 'displayName,customFields/industry', $orderby: 'age desc' });
    expect(query.select).toEqual(['displayName', 'customFields/industry']);
    expect(query.projection).toEqual({ _id: 1, age: 1, 'customFields.industry': 1, displayName: 1, etag: 1 });
    expect(parse({ $select: '*' }).projection).toBeUndefined();
  });

  it('$orderby sorts by normalized keys with the id tie-breaker in the last direction', () => {
    expect(parse({ $orderby: 'displayName desc, age' }).sort).toEqual({
      'norm.displayName': -1,
      age: 1,
      _id: 1,
    });
    expect(parse({ $orderby: 'age,displayName desc' }).sort).toEqual({
      age: 1,
      'norm.displayName': -1,
      _id: -1,
    });
    expect(parse({ $orderby: 'id desc' }).sort).toEqual({ _id: -1 });
  });

  it('keeps other parameters for the nextLink and ignores them otherwise', () => {
    const query = parse({ format: 'csv', $top: '2', tag: ['a', 'b'] });
    expect(query.request.parameters).toEqual([
      ['format', 'csv'],
      ['$top', '2'],
      ['tag', 'a'],
      ['tag', 'b'],
    ]);
  });

  it('binds the query hash to filter, search, order and select but not to $top or $count', () => {
    const hash = parse({ $filter: 'age gt 1', $orderby: 'age' }).hash;
    expect(parse({ $filter: 'age  gt  1', $orderby: 'age', $top: '3', $count: 'true' }).hash).toBe(hash);
    expect(parse({ $filter: 'age gt 2', $orderby: 'age' }).hash).not.toBe(hash);
    expect(parse({ $filter: 'age gt 1', $orderby: 'age desc' }).hash).not.toBe(hash);
    expect(parse({ $filter: 'age gt 1', $orderby: 'age', $select: 'age' }).hash).not.toBe(hash);
  });

  it('accepts properties added at request time', () => {
    const model = extendEntityModel(personModel, {
      'customFields/region': prop.primitive('Edm.String', 'customFields/region'),
    });
    expect(parse({ $filter: "customFields/region eq 'EU'" }, model).filter).toEqual({
      'norm.customFields.region': { $eq: 'eu' },
    });
    expect(rejection({ $filter: "customFields/region eq 'EU'" }).message).toMatch(/customFields\/region/);
  });
});
