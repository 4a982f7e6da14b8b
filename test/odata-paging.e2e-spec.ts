import type { Connection, Model } from 'mongoose';
import { readODataRequest, parseODataQuery, runODataQuery, type RawQuery } from '../src/odata';
import { testDatabaseName } from './support/database';
import { generatePeople } from './support/odata-fixture';
import {
  connectPeople,
  optionsOf,
  parsePeopleQuery,
  PEOPLE_URL,
  runPeopleQuery,
  TEST_SKIPTOKEN_SECRET,
} from './support/odata-harness';
import { personModel, personSortable } from './support/odata-person';
import { ReferenceEvaluator, type Doc } from './support/odata-reference';

/**
 * Keyset paging: following @odata.nextLink with $top=7 visits every document exactly once, in order,
 * for every sortable property in both directions (ties, nulls and missing values included).
 */
// Generous: the embedded FerretDB takes ~50–150 ms per query depending on the machine's load.
jest.setTimeout(300_000);

const reference = new ReferenceEvaluator(personModel);
const docs = generatePeople(120, 99, 't1');
let connection: Connection;
let people: Model<Doc>;

beforeAll(async () => {
  ({ connection, people } = await connectPeople(testDatabaseName('odata_paging')));
  await people.collection.insertMany([...docs, ...generatePeople(10, 5, 't2')] as any[]);
});

afterAll(async () => {
  await connection?.dropDatabase().catch(() => undefined);
  await connection?.close();
});

async function walk(options: RawQuery): Promise<{ ids: string[]; pages: number; counts: number[] }> {
  const ids: string[] = [];
  const counts: number[] = [];
  let pages = 0;
  let current: RawQuery | undefined = options;
  while (current) {
    const body = await runPeopleQuery(people, parsePeopleQuery(current));
    pages++;
    ids.push(...body.value.map((doc) => doc.id as string));
    if (body['@odata.count'] !== undefined) counts.push(body['@odata.count']);
    expect(body.value.length).toBeLessThanOrEqual(Number(options.$top ?? 50));
    current = body['@odata.nextLink'] ? optionsOf(body['@odata.nextLink']) : undefined;
    if (pages > 200) throw new Error('paging does not end');
  }
  return { ids, pages, counts };
}

function expectedOrder(orderby: string): string[] {
  const query = parsePeopleQuery({ $orderby: orderby });
  return reference.sort(docs, query.sortKeys).map((doc) => doc._id as string);
}

describe('OData keyset paging', () => {
  const orderings = personSortable.flatMap((name) => [`${name} asc`, `${name} desc`]);

  it.each(orderings)('walks every document once with $top=7 and $orderby=%s', async (orderby) => {
    const { ids, pages } = await walk({ $orderby: orderby, $top: '7', $select: 'id' });
    expect(ids).toEqual(expectedOrder(orderby));
    expect(new Set(ids).size).toBe(docs.length);
    expect(pages).toBe(Math.ceil(docs.length / 7));
  });

  it('pages with several mixed keys, a filter and $count', async () => {
    const orderby = 'isActive desc,age,displayName desc';
    const filter = "age ne 42 or contains(displayName,'a')";
    const { ids, counts } = await walk({ $orderby: orderby, $filter: filter, $top: '7', $count: 'true' });
    const tree = parsePeopleQuery({ $filter: filter }).filterTree!;
    const expected = expectedOrder(orderby).filter((id) =>
      reference.matches(
        tree,
        docs.find((doc) => doc._id === id)!,
      ),
    );
    expect(ids).toEqual(expected);
    expect(new Set(counts)).toEqual(new Set([expected.length]));
  });

  it('starts after $skip and continues with the token alone', async () => {
    const first = await runPeopleQuery(people, parsePeopleQuery({ $orderby: 'age', $top: '10', $skip: '5' }));
    const link = first['@odata.nextLink']!;
    expect(link).not.toContain('$skip=');
    expect(link).toContain('$top=10');
    const { ids } = await walk(optionsOf(link));
    expect([...first.value.map((doc) => doc.id as string), ...ids]).toEqual(expectedOrder('age').slice(5));
  });

  it('cuts a $top above 999 and carries the remainder', async () => {
    const body = await runPeopleQuery(people, parsePeopleQuery({ $top: '1500' }));
    expect(body.value).toHaveLength(docs.length);
    expect(body['@odata.nextLink']).toBeUndefined();
    const query = parsePeopleQuery({ $top: '1500' });
    expect(query.pageSize).toBe(999);
  });

  it('writes a context, keeps other parameters and encodes the nextLink', async () => {
    const body = await runPeopleQuery(
      people,
      parsePeopleQuery({ $filter: "displayName ne 'a&b'", $top: '3', format: 'x y' }),
    );
    expect(body['@odata.context']).toBe('http://localhost/api/v1/$metadata#people');
    const link = new URL(body['@odata.nextLink']!);
    expect(`${link.origin}${link.pathname}`).toBe(PEOPLE_URL);
    expect(link.searchParams.get('$filter')).toBe("displayName ne 'a&b'");
    expect(link.searchParams.get('format')).toBe('x y');
    expect(body.value[0]).not.toHaveProperty('norm');
  });

  it('rejects a token that was altered, truncated, or issued for another query', async () => {
    const body = await runPeopleQuery(people, parsePeopleQuery({ $orderby: 'age', $top: '3' }));
    const token = optionsOf(body['@odata.nextLink']!).$skiptoken as string;
    const attempts = [
      { $orderby: 'age', $skiptoken: `${token.slice(0, -2)}AA` },
      { $orderby: 'age', $skiptoken: token.slice(0, 20) },
      { $orderby: 'age desc', $skiptoken: token },
      { $orderby: 'age', $filter: 'age gt 1', $skiptoken: token },
      { $orderby: 'age', $skiptoken: `x${token}` },
    ];
    for (const options of attempts) {
      await expect(runPeopleQuery(people, parsePeopleQuery(options))).rejects.toMatchObject({
        status: 400,
        target: '$skiptoken',
      });
    }
    const foreign = parseODataQuery(
      readODataRequest({ $orderby: 'age', $skiptoken: token }, PEOPLE_URL),
      personModel,
    );
    await expect(
      runODataQuery(people, foreign, {
        baseFilter: { tenantId: 't1' },
        toResource: (doc) => doc,
        skiptokenSecret: 'another-secret',
      }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('refuses to run without a base filter and never leaks another tenant', async () => {
    const query = parsePeopleQuery({});
    await expect(
      runODataQuery(people, query, {
        baseFilter: {},
        toResource: (doc) => doc,
        skiptokenSecret: TEST_SKIPTOKEN_SECRET,
      }),
    ).rejects.toThrow(/base filter/);
    await expect(
      runODataQuery(people, query, {
        baseFilter: undefined as never,
        toResource: (doc) => doc,
        skiptokenSecret: TEST_SKIPTOKEN_SECRET,
      }),
    ).rejects.toThrow(/base filter/);
    const body = await runPeopleQuery(people, parsePeopleQuery({ $top: '999', $count: 'true' }));
    expect(body['@odata.count']).toBe(docs.length);
    expect(body.value.every((doc) => doc.tenantId === 't1')).toBe(true);
  });
});
