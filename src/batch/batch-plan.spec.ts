import { planBatch, runBatch, type PlannedRequest } from './batch-plan';
import type { BatchRequestItemDto } from './dto/batch.dto';

const AUTHORIZATION = 'Bearer a.b.c';

function item(id: string, extra: Partial<BatchRequestItemDto> = {}): BatchRequestItemDto {
  return { id, method: 'GET', url: '/tabs', ...extra };
}

describe('planBatch', () => {
  it('resolves URLs under /api/v1, keeps the query, lower-cases headers and defaults the JSON content type', () => {
    const [get, post] = planBatch(
      [
        item('1', {
          url: '/tabs?$top=5&$filter=displayName%20eq%20%27a%27',
          headers: { 'If-None-Match': '*' },
        }),
        item('2', { method: 'POST', url: '/api/v1/tabs', body: { displayName: 'x' }, dependsOn: ['1', '1'] }),
      ],
      AUTHORIZATION,
    );
    expect(get).toEqual({
      id: '1',
      method: 'GET',
      url: '/api/v1/tabs?$top=5&$filter=displayName%20eq%20%27a%27',
      headers: { 'if-none-match': '*' },
      dependsOn: [],
    });
    expect(post).toMatchObject({
      url: '/api/v1/tabs',
      headers: { 'content-type': 'application/json' },
      dependsOn: ['1'],
    });
  });

  it("drops a copy of the batch's own Authorization and refuses any other", () => {
    expect(
      planBatch([item('1', { headers: { Authorization: AUTHORIZATION } })], AUTHORIZATION)[0].headers,
    ).toEqual({});
    expect(() =>
      planBatch([item('1', { headers: { Authorization: 'Bearer x.y.z' } })], AUTHORIZATION),
    ).toThrow(/cannot be changed/);
  });

  it('finds a cycle however long, and accepts a diamond', () => {
    const chain = ['a', 'b', 'c', 'd'].map((id, i, all) =>
      item(id, { dependsOn: [all[(i + 1) % all.length]] }),
    );
    expect(() => planBatch(chain, AUTHORIZATION)).toThrow(/cycle: a → b → c → d → a/);
    const diamond = [
      item('top'),
      item('left', { dependsOn: ['top'] }),
      item('right', { dependsOn: ['top'] }),
      item('bottom', { dependsOn: ['left', 'right'] }),
    ];
    expect(planBatch(diamond, AUTHORIZATION)).toHaveLength(4);
  });
});

describe('runBatch', () => {
  const plan = (specs: Array<[string, string[]]>): PlannedRequest[] =>
    specs.map(([id, dependsOn]) => ({ id, method: 'GET', url: '/api/v1/x', headers: {}, dependsOn }));

  it('never runs more than the bound at once, and runs a request only after its dependencies', async () => {
    let running = 0;
    let peak = 0;
    const order: string[] = [];
    const requests = plan([
      ...Array.from({ length: 10 }, (_, i): [string, string[]] => [`r${i}`, []]),
      ['last', ['r0', 'r9']],
    ]);
    const outcomes = await runBatch(
      requests,
      3,
      async (request) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        order.push(request.id);
        return { status: 200 };
      },
      () => ({ status: 424 }),
    );
    expect(peak).toBe(3);
    expect(outcomes.size).toBe(11);
    expect(order[order.length - 1]).toBe('last');
  });

  it('answers the dependents of a failure through `failed`, transitively, without sending them', async () => {
    const sent: string[] = [];
    const outcomes = await runBatch(
      plan([
        ['bad', []],
        ['child', ['bad']],
        ['grandchild', ['child']],
        ['fine', []],
      ]),
      4,
      async (request) => {
        sent.push(request.id);
        return { status: request.id === 'bad' ? 404 : 204 };
      },
      (_request, dependency, outcome) => ({ status: 424, cause: `${dependency}:${outcome.status}` }),
    );
    expect(sent.sort()).toEqual(['bad', 'fine']);
    expect(outcomes.get('child')).toEqual({ status: 424, cause: 'bad:404' });
    expect(outcomes.get('grandchild')).toEqual({ status: 424, cause: 'child:424' });
  });
});
