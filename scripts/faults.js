'use strict';
/* global fetch, AbortSignal -- Node 20's own */
/**
 * `npm run test:faults`: load and fault test. Mixed traffic (reads, searches, creates, updates) from 50
 * concurrent clients for 60 s against the compiled service on loopback; in the middle the embedded
 * database is stopped for 10 s and restarted. Checks, prints and writes (.cache/faults/result.json):
 * - no request outlived the request timeout; no 500 (no 5xx but 503) at any time;
 * - during the outage, only 503 and 429 besides successes (cached answers may still succeed);
 * - every write the API acknowledged is there afterwards (read back by id);
 * - the API recovered by itself (same process, ready again, serving writes);
 * - the live heap after the run at most 10% above the live heap after warm-up (both after a full GC);
 *   resident memory is printed beside it.
 * Exit code 1 when a check fails.
 *
 * The traffic is the OPERATIONS table: add a row to add a kind of request. FAULTS_DURATION_S,
 * FAULTS_CLIENTS, FAULTS_OUTAGE_AT_S and FAULTS_OUTAGE_S change the shape of the run.
 */
const fs = require('node:fs');
const path = require('node:path');
const { MongoClient } = require('mongodb');
const { startService, sleep } = require('./faults.service');
const { record } = require('./test-results');

const ROOT = path.resolve(__dirname, '..');
const DURATION_MS = Number(process.env.FAULTS_DURATION_S || 60) * 1000;
const CLIENTS = Number(process.env.FAULTS_CLIENTS || 50);
const OUTAGE_AT_MS = Number(process.env.FAULTS_OUTAGE_AT_S || 25) * 1000;
const OUTAGE_MS = Number(process.env.FAULTS_OUTAGE_S || 10) * 1000;
/** Long enough for the JIT, the pools and the caches to reach their working size. */
const WARMUP_MS = 15_000;
/** After the restart the driver needs a heartbeat or two to see the server again. */
const RECOVERY_GRACE_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
const TENANTS = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
const USERS_PER_TENANT = 5;

function log(line) {
  process.stdout.write(`${line}\n`);
}

const mib = (kib) => Math.round(kib / 102.4) / 10;

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

const etagVersion = (etag) => Number(/(\d+)/.exec(etag ?? '')?.[1] ?? NaN);

/**
 * The traffic mix. `weight` is relative; `run(client)` sends one request through `client.send` and may
 * record an acknowledged write in `client.acknowledge`. `needs` names the seeded data a row relies on.
 */
const OPERATIONS = [
  { name: 'GET /me', weight: 6, run: (c) => c.send('GET', '/api/v1/me') },
  { name: 'GET /users', weight: 6, run: (c) => c.send('GET', '/api/v1/users?$top=20&$orderby=displayName') },
  { name: 'GET /tabs', weight: 12, run: (c) => c.send('GET', '/api/v1/tabs?$top=25&$count=true') },
  {
    name: 'search /tabs',
    weight: 10,
    run: (c) =>
      c.send('GET', `/api/v1/tabs?$filter=${encodeURIComponent("startswith(displayName,'load')")}&$top=10`),
  },
  {
    name: 'GET /tabs/{id}',
    weight: 14,
    run: (c) => c.send('GET', `/api/v1/tabs/${pick(c.tabs).id}`),
  },
  {
    name: 'POST /tabs',
    weight: 6,
    run: async (c) => {
      const displayName = `load ${c.name} ${c.counter++}`;
      const res = await c.send('POST', '/api/v1/tabs', {
        channelId: `19:load${c.index % 10}@thread.tacv2`,
        channelName: `Load ${c.index % 10}`,
        displayName,
      });
      if (res.status === 201) {
        c.tabs.push({ id: res.body.id, displayName, version: etagVersion(res.body['@odata.etag']) });
        c.acknowledge({ kind: 'tab', id: res.body.id, displayName, version: 1, client: c });
      }
      return res;
    },
  },
  {
    name: 'PATCH /tabs/{id}',
    weight: 8,
    run: async (c) => {
      // Each client patches only its own tabs, so the last acknowledged update of a tab is well defined.
      const tab = pick(c.tabs);
      const displayName = `load ${c.name} renamed ${c.counter++}`;
      const res = await c.send('PATCH', `/api/v1/tabs/${tab.id}`, { displayName });
      if (res.status === 200) {
        tab.displayName = displayName;
        tab.version = etagVersion(res.body['@odata.etag']);
        c.acknowledge({ kind: 'tab', id: tab.id, displayName, version: tab.version, client: c });
      }
      return res;
    },
  },
  {
    name: 'GET /tabs/{id}/contacts',
    weight: 10,
    needs: 'contacts',
    run: (c) => c.send('GET', `/api/v1/tabs/${c.tabs[0].id}/contacts?$top=20&$orderby=displayName`),
  },
  {
    name: 'search /contacts',
    weight: 8,
    needs: 'contacts',
    run: (c) => c.send('GET', `/api/v1/contacts?$search=${encodeURIComponent('"load"')}&$top=10`),
  },
  {
    name: 'POST /tabs/{id}/contacts',
    weight: 6,
    needs: 'contacts',
    run: async (c) => {
      const tabId = c.tabs[0].id;
      const displayName = `load contact ${c.name} ${c.counter++}`;
      const res = await c.send('POST', `/api/v1/tabs/${tabId}/contacts`, {
        displayName,
        companyName: 'Load',
      });
      if (res.status === 201) {
        c.contacts.push({ id: res.body.id, tabId, displayName });
        c.acknowledge({ kind: 'contact', id: res.body.id, tabId, displayName, client: c });
      }
      return res;
    },
  },
  {
    name: 'PATCH /tabs/{id}/contacts/{id}',
    weight: 4,
    needs: 'contacts',
    run: async (c) => {
      if (c.contacts.length === 0) return c.send('GET', `/api/v1/tabs/${c.tabs[0].id}/contacts?$top=5`);
      const contact = pick(c.contacts);
      const displayName = `load contact ${c.name} renamed ${c.counter++}`;
      const res = await c.send('PATCH', `/api/v1/tabs/${contact.tabId}/contacts/${contact.id}`, {
        displayName,
      });
      if (res.status === 200) {
        contact.displayName = displayName;
        c.acknowledge({ kind: 'contact', id: contact.id, tabId: contact.tabId, displayName, client: c });
      }
      return res;
    },
  },
];

class Client {
  constructor(index, service, token, name, run) {
    this.index = index;
    this.service = service;
    this.token = token;
    this.name = name;
    this.run = run;
    this.counter = 0;
    this.tabs = [];
    this.contacts = [];
  }

  acknowledge(write) {
    this.run.acknowledged.set(`${write.kind}:${write.id}`, write);
  }

  async send(method, url, body) {
    const started = Date.now();
    let status;
    let json;
    try {
      const res = await fetch(`${this.service.url}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS + 5000),
      });
      status = res.status;
      const text = await res.text();
      json = text ? JSON.parse(text) : undefined;
    } catch (error) {
      status =
        error.name === 'TimeoutError' ? 'client-timeout' : `network:${error.cause?.code ?? error.name}`;
    }
    this.run.record({
      operation: this.operation,
      method,
      url,
      status,
      started,
      latencyMs: Date.now() - started,
    });
    return { status, body: json };
  }
}

function newRun() {
  const run = {
    startedAt: 0,
    outageStart: Infinity,
    outageEnd: Infinity,
    requests: [],
    acknowledged: new Map(),
    record(entry) {
      run.requests.push(entry);
    },
    phaseOf(entry) {
      const t = entry.started;
      const end = entry.started + entry.latencyMs;
      if (end >= run.outageStart && t <= run.outageEnd + RECOVERY_GRACE_MS) return 'outage';
      return t < run.outageStart ? 'before' : 'after';
    },
  };
  return run;
}

async function verifyWrites(service, run, dbName) {
  const client = await new MongoClient(service.dbUri(), { directConnection: true }).connect();
  const missing = [];
  let checked = 0;
  try {
    const tabs = client.db(dbName).collection('tabs');
    const contacts = client.db(dbName).collection('contacts');
    for (const write of run.acknowledged.values()) {
      checked++;
      if (write.kind === 'tab') {
        const stored = await tabs.findOne({ _id: write.id });
        // A later update whose answer was lost may have been applied: the version says which came last.
        const ok =
          stored &&
          (stored.version > write.version ||
            (stored.version === write.version && stored.displayName === write.displayName));
        if (!ok) missing.push({ ...write, client: undefined, stored });
      } else {
        // Read from the database itself: a service that did not recover must not make this check wait out
        // a timeout per write (it fails the recovery check instead).
        const stored = await contacts.findOne({ _id: write.id, tabId: write.tabId });
        if (!stored) missing.push({ ...write, client: undefined });
      }
    }
  } finally {
    await client.close();
  }
  return { checked, missing };
}

function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const dbName = 'faults';
  const service = await startService({
    label: dbName,
    env: { RATE_LIMIT_PER_USER: '10000000', RATE_LIMIT_PER_TENANT: '10000000', LOG_LEVEL: 'error' },
  });
  const run = newRun();
  // Each check is one test of the run's totals, failed by any message given to it.
  const checks = { 'the service stopped cleanly on SIGTERM': [] };
  const fail = (check, message) => checks[check].push(message);
  const failures = () => Object.values(checks).flat();
  try {
    const docs = await (await fetch(`${service.url}/docs-json`)).json();
    const available = new Set(
      ['contacts'].filter((need) => `/api/v1/tabs/{tabId}/contacts` in docs.paths && need),
    );
    const operations = OPERATIONS.filter((op) => !op.needs || available.has(op.needs));
    const totalWeight = operations.reduce((sum, op) => sum + op.weight, 0);
    log(`traffic: ${operations.map((op) => op.name).join(', ')}`);

    const clients = [];
    for (let i = 0; i < CLIENTS; i++) {
      const tenantId = TENANTS[i % TENANTS.length];
      const user = `aaaaaaaa-0000-4000-8000-${String(i % (TENANTS.length * USERS_PER_TENANT)).padStart(12, '0')}`;
      const name = `c${i}`;
      const token = service.token({ tenantId, userId: user, name: `Load ${name}` });
      clients.push(new Client(i, service, token, name, run));
    }
    // Each client owns a tab from the start, so reads and updates always have a target.
    for (const client of clients) {
      const res = await OPERATIONS.find((op) => op.name === 'POST /tabs').run(client);
      if (res.status !== 201) throw new Error(`seeding a tab failed: ${res.status}`);
    }
    run.requests.length = 0;

    const chooser = () => {
      let r = Math.random() * totalWeight;
      for (const op of operations) if ((r -= op.weight) < 0) return op;
      return operations[0];
    };

    run.startedAt = Date.now();
    const stopAt = run.startedAt + DURATION_MS;
    const loops = clients.map(async (client) => {
      while (Date.now() < stopAt) {
        const op = chooser();
        client.operation = op.name;
        await op.run(client);
      }
    });

    await sleep(WARMUP_MS);
    const before = await service.memoryKiB();
    log(
      `warm-up done: ${run.requests.length} requests, RSS ${Math.round(before.rss / 1024)} MiB, ` +
        `live heap ${Math.round(before.heap / 1024)} MiB`,
    );
    await sleep(Math.max(0, OUTAGE_AT_MS - WARMUP_MS));

    run.outageStart = Date.now();
    log(`stopping the database at ${((run.outageStart - run.startedAt) / 1000).toFixed(1)} s`);
    await service.stopDatabase();
    await sleep(OUTAGE_MS);
    await service.startDatabase();
    run.outageEnd = Date.now();
    log(`database restarted at ${((run.outageEnd - run.startedAt) / 1000).toFixed(1)} s`);

    await Promise.all(loops);
    const trafficEnd = Date.now();

    // Recovery: the same process answers ready and takes writes again.
    const firstSuccessAfterRestart = run.requests
      .filter((r) => r.started >= run.outageEnd && r.status >= 200 && r.status < 300 && r.method !== 'GET')
      .map((r) => r.started + r.latencyMs)
      .sort((a, b) => a - b)[0];
    const ready = await fetch(`${service.url}/health/ready`).then(
      (res) => res.status,
      () => 0,
    );
    const alive = service.pid && fs.existsSync(`/proc/${service.pid}`);

    const writes = await verifyWrites(service, run, dbName);

    await sleep(5000);
    const after = await service.memoryKiB();

    // Figures.
    const statusMix = {};
    const byPhase = { before: {}, outage: {}, after: {} };
    for (const r of run.requests) {
      statusMix[r.status] = (statusMix[r.status] ?? 0) + 1;
      const phase = byPhase[run.phaseOf(r)];
      phase[r.status] = (phase[r.status] ?? 0) + 1;
    }
    const latencies = run.requests.map((r) => r.latencyMs).sort((a, b) => a - b);
    const byOperation = {};
    for (const r of run.requests) (byOperation[r.operation] ??= []).push(r.latencyMs);
    const operationLatency = Object.fromEntries(
      Object.entries(byOperation).map(([name, list]) => {
        const sorted = list.sort((a, b) => a - b);
        return [
          name,
          { requests: sorted.length, p50: percentile(sorted, 50), max: sorted[sorted.length - 1] },
        ];
      }),
    );
    const maxLatency = latencies[latencies.length - 1] ?? 0;
    const result = {
      durationS: (trafficEnd - run.startedAt) / 1000,
      clients: CLIENTS,
      requests: run.requests.length,
      requestsPerSecond: Math.round(run.requests.length / ((trafficEnd - run.startedAt) / 1000)),
      statusMix,
      statusByPhase: byPhase,
      latencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: maxLatency,
      },
      operationLatencyMs: operationLatency,
      outage: {
        startS: (run.outageStart - run.startedAt) / 1000,
        durationS: (run.outageEnd - run.outageStart) / 1000,
        firstWriteAfterRestartS:
          firstSuccessAfterRestart === undefined ? null : (firstSuccessAfterRestart - run.outageEnd) / 1000,
      },
      acknowledgedWrites: { checked: writes.checked, missing: writes.missing.length },
      memoryMiB: {
        rssAfterWarmup: mib(before.rss),
        rssAfterRun: mib(after.rss),
        heapAfterWarmup: mib(before.heap),
        heapAfterRun: mib(after.heap),
        heapChangePercent: Math.round(((after.heap - before.heap) / before.heap) * 1000) / 10,
      },
      recovered: { sameProcess: alive, ready },
    };

    // Checks.
    Object.assign(checks, {
      'no request outlived the timeout': [],
      'every request got an HTTP answer': [],
      'no server error but 503': [],
      'only 503 and 429 during the outage': [],
      'no error outside the outage': [],
      'no acknowledged write lost': [],
      'recovered in the same process': [],
      'a write succeeded after the restart': [],
      'memory did not grow': [],
    });
    if (maxLatency > REQUEST_TIMEOUT_MS + 1000)
      fail('no request outlived the timeout', `a request took ${maxLatency} ms`);
    const nonHttp = Object.keys(statusMix).filter((s) => !/^\d+$/.test(s));
    if (nonHttp.length > 0) {
      fail('every request got an HTTP answer', `requests without an HTTP answer: ${nonHttp.join(', ')}`);
    }
    for (const [phase, mix] of Object.entries(byPhase)) {
      for (const status of Object.keys(mix)) {
        const code = Number(status);
        if (code >= 500 && code !== 503)
          fail('no server error but 503', `${mix[status]} × ${status} (${phase})`);
        if (phase === 'outage' && !(code < 300 || code === 503 || code === 429)) {
          fail('only 503 and 429 during the outage', `${mix[status]} × ${status} during the outage`);
        }
        if (phase !== 'outage' && code >= 400) {
          fail('no error outside the outage', `${mix[status]} × ${status} outside the outage (${phase})`);
        }
      }
    }
    if (writes.missing.length > 0) {
      fail(
        'no acknowledged write lost',
        `${writes.missing.length} acknowledged writes missing: ${JSON.stringify(writes.missing.slice(0, 3))}`,
      );
    }
    if (!alive || ready !== 200)
      fail('recovered in the same process', `not recovered: alive=${alive} ready=${ready}`);
    if (firstSuccessAfterRestart === undefined) {
      fail('a write succeeded after the restart', 'no write succeeded after the restart');
    }
    // A leak shows as growth; less memory after the run than under warm-up load is no fault.
    if (result.memoryMiB.heapChangePercent > 10) {
      fail('memory did not grow', `the live heap grew by ${result.memoryMiB.heapChangePercent}%`);
    }
    result.failures = failures();
    if (result.failures.length > 0) {
      result.unexpected = run.requests
        .filter((r) => typeof r.status !== 'number' || (r.status >= 500 && r.status !== 503))
        .slice(0, 10)
        .map(({ operation, method, url, status }) => ({ operation, method, url, status }));
      result.serviceErrors = service.output().split('\n').filter(Boolean).slice(-20);
    }

    log(JSON.stringify(result, null, 2));
    fs.mkdirSync(path.join(ROOT, '.cache', 'faults'), { recursive: true });
    fs.writeFileSync(
      path.join(ROOT, '.cache', 'faults', 'result.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
  } finally {
    const exit = await service.stop();
    if (exit !== 0)
      fail('the service stopped cleanly on SIGTERM', `the service exited with ${exit} on SIGTERM`);
  }
  const failedChecks = Object.values(checks).filter((messages) => messages.length > 0).length;
  record('faults', { passed: Object.keys(checks).length - failedChecks, failed: failedChecks });
  const found = failures();
  log(found.length === 0 ? 'fault test passed' : `fault test FAILED:\n  - ${found.join('\n  - ')}`);
  process.exit(found.length === 0 ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  record('faults', { failed: 1 });
  process.exit(1);
});
