/**
 * Scale-out benchmark: what several instances and Redis cost on one machine.
 *
 * One embedded database (or MONGODB_URI), one Redis (tools/redis), three instances of the compiled API sharing
 * both, and a fourth on the same database without REDIS_URL; each measured set is reached through the same
 * round-robin proxy (scripts/scale.cluster.js), so every figure carries the same proxy hop:
 *   1 instance with Redis · 3 instances with Redis · 1 instance without Redis
 * For each: get by id and list (`$top=20`) with autocannon, `--connections` for `--duration` seconds after a
 * warm-up, `--repeats` times, the sets interleaved; the medians are reported. The Redis cost per request is the difference of the
 * p50 latencies of one instance with and without Redis (two rate-limit counters per request, and nothing else
 * on a read). On a 2-core machine three instances share the cores with the database: they cannot be faster.
 *
 * Run: npm run bench:scale -- [--instances 3] [--connections 16] [--duration 5] [--repeats 3]
 * Writes bench/results/scale.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { autocannon, type AutocannonResult } from './support/autocannon';

interface ClusterNode {
  index: number;
  url: string;
  port: number;
}
interface Cluster {
  url: string;
  nodes: ClusterNode[];
  token(claims: { tenantId: string; userId: string; name: string }): string;
  addInstance(env: Record<string, string>): Promise<ClusterNode>;
  stop(): Promise<void>;
}
interface Send {
  (
    base: string,
    method: string,
    url: string,
    options: { token: string; body?: unknown },
  ): Promise<{ status: number; body: { id: string } }>;
}
interface ClusterHarness {
  startCluster(options: { instances: number; redis: boolean; env: Record<string, string> }): Promise<Cluster>;
  startProxy(targets: ClusterNode[]): Promise<{ url: string; close(): Promise<void> }>;
  send: Send;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the scale-out harness is plain Node (scripts/)
const harness = require('../scripts/scale.cluster') as ClusterHarness;

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = 'aaaaaaaa-0000-4000-8000-000000000001';

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
}

type Run = AutocannonResult;

/** One measured run of `url` (after the warm-up the caller did). */
function run(url: string, token: string, options: { connections: number; duration: number }): Promise<Run> {
  const headers = { authorization: `Bearer ${token}` };
  return autocannon({ url, headers, connections: options.connections, duration: options.duration });
}

function figuresOf(runs: Run[]): Figures {
  return {
    requestsPerSecond: Math.round(median(runs.map((r) => r.requests.average))),
    p50Ms: median(runs.map((r) => r.latency.p50)),
    p99Ms: median(runs.map((r) => r.latency.p99)),
    failures: runs.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '3' },
      connections: { type: 'string', default: '16' },
      duration: { type: 'string', default: '5' },
      repeats: { type: 'string', default: '3' },
    },
  });
  const instances = Number(values.instances);
  const options = {
    connections: Number(values.connections),
    duration: Number(values.duration),
    repeats: Number(values.repeats),
  };
  // Limits far above the load, so that every request is counted (the Redis round trip) and none refused.
  // A 1 s window: the in-process store keeps one timestamp per hit of the window and filters them on every
  // request, so a 60 s window at this rate (tens of thousands of hits) would make the run without Redis pay
  // for that store instead of showing what Redis adds.
  const env = {
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_USER: '10000000',
    RATE_LIMIT_PER_TENANT: '100000000',
    RATE_LIMIT_WINDOW_SECONDS: '1',
  };
  const cluster = await harness.startCluster({ instances, redis: true, env });
  const closers: Array<() => Promise<void>> = [];
  try {
    const alone = await cluster.addInstance({ ...env, REDIS_URL: '' });
    const token = cluster.token({ tenantId: TENANT, userId: USER, name: 'Bench' });
    const tab = await harness.send(cluster.url, 'POST', '/api/v1/tabs', {
      token,
      body: { channelId: '19:bench@thread.tacv2', channelName: 'Bench', displayName: 'Bench' },
    });
    let contactId = '';
    for (let i = 0; i < 100; i++) {
      const created = await harness.send(cluster.url, 'POST', `/api/v1/tabs/${tab.body.id}/contacts`, {
        token,
        body: { displayName: `Bench ${i}`, companyName: 'Contoso' },
      });
      contactId = created.body.id;
    }
    const sets: Array<[string, ClusterNode[]]> = [
      ['1 instance, Redis', [cluster.nodes[0]]],
      [`${instances} instances, Redis`, cluster.nodes],
      ['1 instance, no Redis', [alone]],
    ];
    // Interleaved: each repeat measures every set once, so that drift on a shared machine (other load,
    // the database's caches) spreads over all of them instead of favouring the set measured first.
    const targets = [];
    for (const [name, nodes] of sets) {
      const proxy = await harness.startProxy(nodes);
      closers.push(() => proxy.close());
      const base = `${proxy.url}/api/v1/tabs/${tab.body.id}/contacts`;
      const urls = { get: `${base}/${contactId}`, list: `${base}?$top=20` };
      for (const url of Object.values(urls)) await run(url, token, { ...options, duration: 2 });
      targets.push({ name, urls, get: [] as Run[], list: [] as Run[] });
    }
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      for (const target of targets) {
        target.get.push(await run(target.urls.get, token, options));
        target.list.push(await run(target.urls.list, token, options));
      }
    }
    const rows = targets.map(({ name, get, list }) => ({
      set: name,
      get: figuresOf(get),
      list: figuresOf(list),
    }));
    for (const { set, get, list } of rows) {
      process.stdout.write(
        `${set.padEnd(22)} get by id ${String(get.requestsPerSecond).padStart(6)} req/s (p50 ${get.p50Ms} ms)` +
          `   list ${String(list.requestsPerSecond).padStart(6)} req/s (p50 ${list.p50Ms} ms)` +
          `${get.failures + list.failures ? `   ${get.failures + list.failures} failed` : ''}\n`,
      );
    }
    const [withRedis, spread, withoutRedis] = rows;
    const redisCost = {
      getP50Ms: withRedis.get.p50Ms - withoutRedis.get.p50Ms,
      getThroughputLoss: 1 - withRedis.get.requestsPerSecond / withoutRedis.get.requestsPerSecond,
      listP50Ms: withRedis.list.p50Ms - withoutRedis.list.p50Ms,
    };
    const signed = (value: number, unit: string): string => `${value >= 0 ? '+' : ''}${value}${unit}`;
    process.stdout.write(
      `Redis per request (one instance, with minus without): get by id p50 ${signed(redisCost.getP50Ms, ' ms')}, ` +
        `throughput ${signed(Number((-redisCost.getThroughputLoss * 100).toFixed(1)), ' %')} (target: at most 10 % lower); ` +
        `list p50 ${signed(redisCost.listP50Ms, ' ms')}\n` +
        `${instances} instances / 1 instance: get by id ×${(spread.get.requestsPerSecond / withRedis.get.requestsPerSecond).toFixed(2)}, ` +
        `list ×${(spread.list.requestsPerSecond / withRedis.list.requestsPerSecond).toFixed(2)}\n`,
    );
    const directory = join(__dirname, 'results');
    mkdirSync(directory, { recursive: true });
    writeFileSync(
      join(directory, 'scale.json'),
      `${JSON.stringify({ date: new Date().toISOString(), options: { instances, ...options }, rows, redisCost }, null, 2)}\n`,
    );
  } finally {
    for (const close of closers) await close();
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
