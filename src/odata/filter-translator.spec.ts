import { ApiError } from '../common/errors/api-error';
import { personModel } from '../../test/support/odata-person';
import { tenantEntityModel } from '../../test/support/tenant-entity-model';
import { defineEntityModel, prop } from './entity-model';
import { parseFilter } from './filter-parser';
import { translateFilter } from './filter-translator';
import { findDisallowedOperators } from './operator-allow-list';

const translate = (text: string) => {
  const filter = translateFilter(parseFilter(text), personModel);
  expect(findDisallowedOperators(filter)).toEqual([]);
  return filter;
};

function rejection(text: string): string {
  try {
    translate(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).getStatus()).toBe(400);
    expect((error as ApiError).target).toBe('$filter');
    return (error as ApiError).message;
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('translateFilter: comparisons', () => {
  it.each([
    ["displayName eq 'Zoë'", { 'norm.displayName': { $eq: 'zoe' } }],
    ["displayName ne ' Émile '", { 'norm.displayName': { $ne: 'emile' } }],
    ["displayName gt 'M'", { 'norm.displayName': { $gt: 'm' } }],
    ["displayName ge 'm'", { 'norm.displayName': { $gte: 'm' } }],
    ["displayName lt 'm'", { 'norm.displayName': { $lt: 'm' } }],
    ["displayName le 'm'", { 'norm.displayName': { $lte: 'm' } }],
    ["'m' lt displayName", { 'norm.displayName': { $gt: 'm' } }],
    ['displayName eq null', { 'norm.displayName': { $eq: null } }],
    ['age ne null', { age: { $ne: null } }],
    ['age ge 18', { age: { $gte: 18 } }],
    ['score lt -1.5', { score: { $lt: -1.5 } }],
    ['score eq 2', { score: { $eq: 2 } }],
    ['isActive eq false', { isActive: { $eq: false } }],
    ['isActive', { isActive: { $eq: true } }],
    [
      'createdDateTime gt 2024-01-01T10:00:00+02:00',
      { createdDateTime: { $gt: new Date('2024-01-01T08:00:00Z') } },
    ],
    ['createdDateTime ge 2024-01-01', { createdDateTime: { $gte: new Date('2024-01-01T00:00:00Z') } }],
    ['birthday eq 1970-01-31', { birthday: { $eq: '1970-01-31' } }],
    [
      'externalId eq 01234567-89AB-cdef-0123-456789abcdef',
      { externalId: { $eq: '01234567-89ab-cdef-0123-456789abcdef' } },
    ],
    [
      "externalId eq '01234567-89AB-cdef-0123-456789abcdef'",
      { externalId: { $eq: '01234567-89ab-cdef-0123-456789abcdef' } },
    ],
    ["tolower(displayName) eq 'ZOË'", { 'norm.displayName': { $eq: 'zoe' } }],
    ["toupper(displayName) eq 'zoë'", { 'norm.displayName': { $eq: 'zoe' } }],
    ["customFields/industry eq 'IT'", { 'norm.customFields.industry': { $eq: 'it' } }],
    ['id eq 01234567-89ab-cdef-0123-456789abcdef', { _id: { $eq: '01234567-89ab-cdef-0123-456789abcdef' } }],
    ['displayName eq \'{"$gt":""}\'', { 'norm.displayName': { $eq: '{"$gt":""}' } }],
  ])('%s', (text, expected) => {
    expect(translate(text)).toEqual(expected);
  });
});

describe('translateFilter: logic, in, functions', () => {
  it.each([
    [
      'age eq 1 and score eq 2 and isActive',
      { $and: [{ age: { $eq: 1 } }, { score: { $eq: 2 } }, { isActive: { $eq: true } }] },
    ],
    [
      'age eq 1 or age eq 2 or age eq 3',
      { $or: [{ age: { $eq: 1 } }, { age: { $eq: 2 } }, { age: { $eq: 3 } }] },
    ],
    ['not (age eq 1)', { $nor: [{ age: { $eq: 1 } }] }],
    ["displayName in ('Zoë', 'ANA', null)", { 'norm.displayName': { $in: ['zoe', 'ana', null] } }],
    ['age in (1, 2)', { age: { $in: [1, 2] } }],
    ["contains(displayName,'Zoë.*')", { 'norm.displayName': { $regex: 'zoe\\.\\*' } }],
    ["startswith(displayName,'(A')", { 'norm.displayName': { $regex: '^\\(a' } }],
    ["endswith(displayName,'^$')", { 'norm.displayName': { $regex: '\\^\\$$' } }],
    ["contains(displayName,'\\')", { 'norm.displayName': { $regex: '\\\\' } }],
    ["startswith(tolower(displayName),' Jo')", { 'norm.displayName': { $regex: '^ jo' } }],
    ['length(displayName) eq 3', { displayName: { $regex: '^[\\s\\S]{3}\\z' } }],
    ['length(displayName) ne 3', { $nor: [{ displayName: { $regex: '^[\\s\\S]{3}\\z' } }] }],
    ['length(displayName) gt 3', { displayName: { $regex: '^[\\s\\S]{4}' } }],
    ['length(displayName) ge 0', { displayName: { $regex: '^' } }],
    ['length(displayName) lt 0', { displayName: { $in: [] } }],
    ['length(displayName) le 2', { displayName: { $regex: '^[\\s\\S]{0,2}\\z' } }],
    ['length(displayName) gt 1000', { displayName: { $in: [] } }],
    [
      'year(createdDateTime) eq 2024',
      { createdDateTime: { $gte: new Date('2024-01-01T00:00:00Z'), $lt: new Date('2025-01-01T00:00:00Z') } },
    ],
    [
      'year(createdDateTime) gt 2024',
      {
        createdDateTime: { $gte: new Date('2025-01-01T00:00:00Z'), $lt: new Date('+010000-01-01T00:00:00Z') },
      },
    ],
    [
      'year(createdDateTime) ne 2024',
      {
        $nor: [
          {
            createdDateTime: {
              $gte: new Date('2024-01-01T00:00:00Z'),
              $lt: new Date('2025-01-01T00:00:00Z'),
            },
          },
        ],
      },
    ],
    ['year(birthday) le 1970', { birthday: { $gte: '0001-01-01', $lte: '1970-12-31' } }],
    ['month(birthday) eq 2', { birthday: { $regex: '^\\d{4}-02-' } }],
    ['month(birthday) gt 10', { birthday: { $regex: '^\\d{4}-(?:11|12)-' } }],
    ['month(birthday) eq 13', { birthday: { $in: [] } }],
    ['day(birthday) lt 3', { birthday: { $regex: '^\\d{4}-\\d{2}-(?:01|02)$' } }],
  ])('%s', (text, expected) => {
    expect(translate(text)).toEqual(expected);
  });
});

describe('translateFilter: lambdas (no $elemMatch: FerretDB 1.24 does not evaluate it per element)', () => {
  const cat = 'norm.categories';
  /** An element regex, as the translator writes it (see elementRegex). */
  const elements = (pattern: string) => ({ $in: [new RegExp(pattern)] });
  it.each([
    ["categories/any(c: c eq 'Supplier')", { [cat]: { $eq: 'supplier' } }],
    [
      "categories/any(c: c eq 'a' or startswith(c,'B'))",
      { $or: [{ [cat]: { $eq: 'a' } }, { [cat]: elements(String.raw`^b`) }] },
    ],
    ["categories/any(c: c in ('a', 'B'))", { [cat]: { $in: ['a', 'b'] } }],
    ["categories/any(c: c ne 'a')", { $or: [{ [cat]: { $lt: 'a' } }, { [cat]: { $gt: 'a' } }] }],
    ["categories/any(c: not startswith(c,'ab'))", { [cat]: elements(String.raw`^(?:\z|[^a]|a(?:\z|[^b]))`) }],
    [
      "categories/all(c: c ne 'a' and not contains(c,'x'))",
      { $nor: [{ [cat]: { $eq: 'a' } }, { [cat]: elements(String.raw`x`) }] },
    ],
    ["categories/all(c: c gt 'm')", { $nor: [{ [cat]: { $lte: 'm' } }] }],
    ['categories/any()', { 'norm.categories.0': { $exists: true } }],
    [
      "emailAddresses/any(e: endswith(e/address,'@contoso.com'))",
      { 'norm.emailAddresses.address': elements(String.raw`@contoso\.com$`) },
    ],
    ["emailAddresses/all(e: e/name ne 'Zoë')", { $nor: [{ 'norm.emailAddresses.name': { $eq: 'zoe' } }] }],
    [
      "emailAddresses/all(e: not endswith(e/address,'.org'))",
      { $nor: [{ 'norm.emailAddresses.address': elements(String.raw`\.org$`) }] },
    ],
    ['ratings/any(r: r ge 4)', { ratings: { $gte: 4 } }],
    ['ratings/all(r: r lt 4)', { $nor: [{ ratings: { $gte: 4 } }] }],
    ['ratings/any()', { 'ratings.0': { $exists: true } }],
  ])('%s', (text, expected) => {
    expect(translate(text)).toEqual(expected);
  });

  // all(x: P) is "no element violates P": a $nor of conditions that find a violating element.
  it.each([
    ["categories/all(c: c eq 'Supplier')", [{ [cat]: { $lt: 'supplier' } }, { [cat]: { $gt: 'supplier' } }]],
    ["categories/all(c:c eq 'Supplier')", [{ [cat]: { $lt: 'supplier' } }, { [cat]: { $gt: 'supplier' } }]],
    ["categories/all(c: 'Zoë' eq c)", [{ [cat]: { $lt: 'zoe' } }, { [cat]: { $gt: 'zoe' } }]],
    ["categories/all(c: tolower(c) eq 'vip')", [{ [cat]: { $lt: 'vip' } }, { [cat]: { $gt: 'vip' } }]],
    ["categories/all(c: toupper(c) ne 'VIP')", [{ [cat]: { $eq: 'vip' } }]],
    ["categories/all(c: c ge 'b')", [{ [cat]: { $lt: 'b' } }]],
    ["categories/all(c: c lt 'b')", [{ [cat]: { $gte: 'b' } }]],
    ["categories/all(c: c le 'b')", [{ [cat]: { $gt: 'b' } }]],
    ["categories/all(c: 'b' lt c)", [{ [cat]: { $lte: 'b' } }]],
    ["categories/all(c: c in ('vip'))", [{ [cat]: { $lt: 'vip' } }, { [cat]: { $gt: 'vip' } }]],
    // Not one of the values: the text ends early, leaves the values' trie, or goes on past a value.
    [
      "categories/all(c: c in ('a', 'ab', 'B'))",
      [{ [cat]: elements(String.raw`^(?:\z|[^ab]|a(?:[^b]|b[\s\S])|b[\s\S])`) }],
    ],
    [
      "categories/all(c: c in ('a.b', 'a'))",
      [{ [cat]: elements(String.raw`^(?:\z|[^a]|a(?:[^\.]|\.(?:\z|[^b]|b[\s\S])))`) }],
    ],
    ["categories/all(c: startswith(c,'Ab'))", [{ [cat]: elements(String.raw`^(?:\z|[^a]|a(?:\z|[^b]))`) }]],
    ["categories/all(c: endswith(c,'ab'))", [{ [cat]: elements(String.raw`(?:^[\s\S]{0,1}|[^b]|[^a]b)\z`) }]],
    ["categories/all(c: endswith(c,'😀'))", [{ [cat]: elements(String.raw`(?:^[\s\S]{0,0}|[^😀])\z`) }]],
    ["categories/all(c: startswith(c,''))", [{ [cat]: { $in: [] } }]],
    [
      "categories/all(c: c ne 'a' and (c gt 'b' and endswith(c,'z')))",
      [
        { [cat]: { $eq: 'a' } },
        { [cat]: { $lte: 'b' } },
        { [cat]: elements(String.raw`(?:^[\s\S]{0,0}|[^z])\z`) },
      ],
    ],
    ["categories/all(c: not (c ne 'a'))", [{ [cat]: { $lt: 'a' } }, { [cat]: { $gt: 'a' } }]],
    ['ratings/all(r: r eq 3)', [{ ratings: { $lt: 3 } }, { ratings: { $gt: 3 } }]],
    ['ratings/all(r: r ne 3 and r ge 1)', [{ ratings: { $eq: 3 } }, { ratings: { $lt: 1 } }]],
    [
      "emailAddresses/all(e: not startswith(e/name,'a'))",
      [{ 'norm.emailAddresses.name': elements(String.raw`^a`) }],
    ],
  ])('%s', (text, violations) => {
    expect(translate(text)).toEqual({ $nor: violations });
  });

  it.each([
    [
      "emailAddresses/any(e: e/address eq 'a' and e/name eq 'b')",
      /'and' is not supported inside emailAddresses\/any\(\).*'or' inside any\(\) and with 'and' inside all\(\)/,
    ],
    [
      "categories/all(c: c eq 'a' or c eq 'b')",
      /'or' is not supported inside categories\/all\(\).*use in \(…\)/,
    ],
    [
      "categories/all(c: contains(c,'a'))",
      /contains\(\) is not supported inside categories\/all\(\).*startswith/,
    ],
    [
      "categories/any(c: not contains(c,'a'))",
      /not contains\(\) is not supported inside categories\/any\(\)/,
    ],
    ['categories/any(c: c eq null)', /null/],
    [
      "emailAddresses/all(e: e/name eq 'a')",
      /'e\/name' is not supported inside emailAddresses\/all\(\).*elements that have no name/,
    ],
    ["emailAddresses/all(e: e/name gt 'a')", /elements that have no name/],
    ["emailAddresses/all(e: e/name in ('a', 'b'))", /elements that have no name/],
    ["emailAddresses/all(e: startswith(e/address,'a'))", /elements that have no address/],
    ["emailAddresses/any(e: e/name ne 'a')", /elements that have no name/],
    ['ratings/all(r: r in (1, 3))', /'in' with several Edm\.Int32 values .* works on text values/],
    ['categories/any(c: length(c) eq 1)', /length\(\) is not supported there/],
    ["categories/any(c: displayName eq 'x')", /lambda variable 'c'/],
    [
      "emailAddresses/any(e: e/phone eq 'x')",
      /Could not find a property named 'phone' on the elements of 'emailAddresses'/,
    ],
    ["emailAddresses/any(e: e eq 'x')", /complex value/],
    ["categories/any(c: c/x eq 'x')", /no member 'x'/],
    ["displayName/any(c: c eq 'x')", /needs a collection/],
  ])('rejects %s', (text, message) => {
    expect(rejection(text)).toMatch(message);
  });

  it('refuses a list whose pattern would be too long for the database', () => {
    // 60 values of 52 characters that part after two: within $filter's length, about 37 000 pattern characters.
    const values = Array.from(
      { length: 60 },
      (_, i) => `'${String(i).padStart(2, '0')}${'abcdefghij'.repeat(5)}'`,
    ).join(',');
    expect(rejection(`categories/all(c: c in (${values}))`)).toMatch(
      /too long to be matched on each element/,
    );
  });
});

describe('translateFilter: lambdas over members every element has', () => {
  // As a contact's e-mail addresses and phones: the writes guarantee `address` and `number`.
  const directory = tenantEntityModel('entry', 'entries', {
    id: prop.primitive('Edm.Guid', 'id', { path: '_id' }),
    emailAddresses: prop.complexCollection(
      'emailAddresses',
      { address: 'Edm.String', name: 'Edm.String' },
      { requiredMembers: ['address'] },
    ),
    phones: prop.complexCollection(
      'phones',
      { number: 'Edm.String', type: 'Edm.String' },
      { requiredMembers: ['number'] },
    ),
  });
  const translateEntry = (text: string) => {
    const filter = translateFilter(parseFilter(text), directory);
    expect(findDisallowedOperators(filter)).toEqual([]);
    return filter;
  };
  const address = 'norm.emailAddresses.address';
  const number = 'norm.phones.number';
  const elements = (pattern: string) => ({ $in: [new RegExp(pattern)] });

  // A violating element is found exactly: it has the member, so the complement is a condition on it.
  it.each([
    [
      "emailAddresses/all(e: endswith(e/address,'.com'))",
      { $nor: [{ [address]: elements(String.raw`(?:^[\s\S]{0,3}|[^m]|[^o]m|[^c]om|[^\.]com)\z`) }] },
    ],
    [
      "emailAddresses/all(e: e/address eq 'Adèle@contoso.com')",
      { $nor: [{ [address]: { $lt: 'adele@contoso.com' } }, { [address]: { $gt: 'adele@contoso.com' } }] },
    ],
    ["emailAddresses/all(e: e/address ge 'm')", { $nor: [{ [address]: { $lt: 'm' } }] }],
    [
      "emailAddresses/all(e: e/address in ('a@x.org', 'b@x.org'))",
      {
        $nor: [
          {
            [address]: elements(
              String.raw`^(?:\z|[^ab]|a(?:\z|[^@]|@(?:\z|[^x]|x(?:\z|[^\.]|\.(?:\z|[^o]|o(?:\z|[^r]|r(?:\z|[^g]|g[\s\S]))))))|b(?:\z|[^@]|@(?:\z|[^x]|x(?:\z|[^\.]|\.(?:\z|[^o]|o(?:\z|[^r]|r(?:\z|[^g]|g[\s\S])))))))`,
            ),
          },
        ],
      },
    ],
    [
      "phones/all(p: startswith(p/number,'+1'))",
      { $nor: [{ [number]: elements(String.raw`^(?:\z|[^\+]|\+(?:\z|[^1]))`) }] },
    ],
    [
      "phones/all(p: startswith(p/number,'+1') and p/type ne 'fax')",
      {
        $nor: [
          { [number]: elements(String.raw`^(?:\z|[^\+]|\+(?:\z|[^1]))`) },
          { 'norm.phones.type': { $eq: 'fax' } },
        ],
      },
    ],
    [
      "emailAddresses/any(e: e/address ne 'a@x.org')",
      { $or: [{ [address]: { $lt: 'a@x.org' } }, { [address]: { $gt: 'a@x.org' } }] },
    ],
    [
      "emailAddresses/any(e: not endswith(e/address,'.com'))",
      { [address]: elements(String.raw`(?:^[\s\S]{0,3}|[^m]|[^o]m|[^c]om|[^\.]com)\z`) },
    ],
    ["emailAddresses/any(e: not (e/address lt 'm'))", { [address]: { $gte: 'm' } }],
    [
      "phones/any(p: not (p/number in ('1')))",
      { $or: [{ [number]: { $lt: '1' } }, { [number]: { $gt: '1' } }] },
    ],
    [
      "not phones/all(p: p/number eq '1')",
      { $nor: [{ $nor: [{ [number]: { $lt: '1' } }, { [number]: { $gt: '1' } }] }] },
    ],
  ])('%s', (text, expected) => {
    expect(translateEntry(text)).toEqual(expected);
  });

  it.each([
    // The other members may be missing: still refused, naming the ones that work.
    [
      "emailAddresses/all(e: e/name eq 'Adele')",
      /elements that have no name.*; on e\/address, which every element has, all of these work/,
    ],
    ["emailAddresses/any(e: e/name ne 'Adele')", /elements that have no name/],
    [
      "phones/all(p: startswith(p/type,'m'))",
      /elements that have no type.*on p\/number, which every element has/,
    ],
    // What no member makes decidable.
    ["emailAddresses/all(e: contains(e/address,'contoso'))", /contains\(\) is not supported/],
    ['emailAddresses/all(e: e/address eq null)', /Comparing with null/],
  ])('rejects %s', (text, message) => {
    try {
      translateEntry(text);
    } catch (error) {
      expect((error as ApiError).getStatus()).toBe(400);
      expect((error as ApiError).message).toMatch(message);
      return;
    }
    throw new Error(`expected ${text} to be rejected`);
  });

  it('refuses a model whose required member is not one of the members', () => {
    expect(() =>
      defineEntityModel({
        ...directory,
        properties: {
          ...directory.properties,
          phones: prop.complexCollection('phones', { number: 'Edm.String' }, { requiredMembers: ['digits'] }),
        },
      }),
    ).toThrow(/entry\.phones: required member 'digits' is not a member/);
  });
});

describe('translateFilter: type and property errors are 400s', () => {
  it.each([
    ['foo eq 1', "Could not find a property named 'foo' on type 'person'."],
    ["age eq 'x'", /'x' at position 7 does not match the type Edm\.Int32 of 'age'/],
    ['age eq 1.5', /Edm\.Int32/],
    ['age eq 3000000000', /Edm\.Int32/],
    ['score eq INF', /Edm\.Double/],
    ['displayName eq 1', /Edm\.String/],
    ["isActive eq 'true'", /Edm\.Boolean/],
    ["createdDateTime gt '2024-01-01'", /Edm\.DateTimeOffset/],
    ['birthday eq 2024-02-30', /Edm\.Date/],
    ['birthday eq 2024-01-01T00:00:00Z', /Edm\.Date/],
    ["externalId eq 'not-a-guid'", /Edm\.Guid/],
    ["displayName eq duration'P1D'", /Edm\.String/],
    ['secret eq 1', /'secret' cannot be used in \$filter/],
    ["categories eq 'x'", /collection: use categories\/any/],
    ["emailAddresses/address eq 'x'", /use a lambda/],
    ['age gt null', /null can only be compared with 'eq' or 'ne'/],
    ["contains(age,'1')", /contains\(\) needs a string property; 'age' is Edm\.Int32/],
    ['contains(displayName,1)', /must be a string literal/],
    ['contains(displayName,surname)', /must be a string literal/],
    ['displayName eq surname', /comparing two properties is not supported/],
    ["'a' eq 'b'", /two literals/],
    ['length(displayName) eq 1001', /0 to 1000/],
    ["length(displayName) eq 'x'", /integer literal/],
    ['length(age) eq 1', /needs a string property/],
    ['month(createdDateTime) eq 1', /Edm\.Date properties only/],
    ['year(age) eq 1', /needs a date property/],
    ['age', /not a Boolean property/],
    ["tolower(age) eq 'x'", /needs a string property/],
  ])('%s', (text, message) => {
    expect(rejection(text)).toMatch(message);
  });
});

describe('translateFilter: a property that translates itself', () => {
  const CALLER = { userId: 'u1' };
  const model = tenantEntityModel('note', 'notes', {
    isRead: prop.primitive('Edm.Boolean', 'isRead', {
      sortable: false,
      translate: (value, { userId }) => ({ readBy: value ? userId : { $ne: userId } }),
    }),
    isPinned: prop.primitive('Edm.Boolean', 'isPinned'),
  });
  const translated = (text: string) => translateFilter(parseFilter(text), model, CALLER);

  it.each([
    ['isRead', { readBy: 'u1' }],
    ['isRead eq true', { readBy: 'u1' }],
    ['false lt isRead', { readBy: 'u1' }],
    ['isRead le false', { readBy: { $ne: 'u1' } }],
    ['isRead in (false, null)', { readBy: { $ne: 'u1' } }],
    ['isRead ge false', { _id: { $exists: true } }],
    ['isRead lt false', { _id: { $in: [] } }],
    ['isRead eq null', { _id: { $in: [] } }],
    ['not isRead', { $nor: [{ readBy: 'u1' }] }],
    ['isRead and isPinned', { $and: [{ readBy: 'u1' }, { isPinned: { $eq: true } }] }],
  ])('%s becomes the stored condition for the caller', (text, expected) => {
    expect(translated(text)).toEqual(expected);
  });

  it('keeps the 400s of any Boolean', () => {
    expect(() => translated('isRead gt null')).toThrow(/null can only be compared/);
    expect(() => translated("isRead eq 'yes'")).toThrow(ApiError);
  });

  it('needs the caller, and a Boolean that is not sorted on', () => {
    expect(() => translateFilter(parseFilter('isRead'), model)).toThrow(/query context/);
    const base = { name: 'x', entitySet: 'x', idPath: '_id', scopePaths: [], indexes: [] };
    const translate = () => ({});
    expect(() =>
      defineEntityModel({ ...base, properties: { n: prop.primitive('Edm.Int32', 'n', { translate }) } }),
    ).toThrow(/only a Boolean/);
    expect(() =>
      defineEntityModel({ ...base, properties: { b: prop.primitive('Edm.Boolean', 'b', { translate }) } }),
    ).toThrow(/sort/);
  });
});
