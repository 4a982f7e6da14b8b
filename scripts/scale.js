'use strict';
/* global FormData, Blob -- Node 20's own */
/**
 * `npm run test:scale`: the scale-out test. Redis (tools/redis) and three API instances on ONE embedded
 * database, behind a round-robin proxy on loopback (scripts/scale.cluster.js). Eight checks, each printing its
 * figures; exit code 1 when one fails; the counts go to scripts/test-results.js (name `scale`):
 * 1. 20 concurrent PATCHes of one contact with one If-Match, spread over the instances: exactly one 200.
 * 2. 20 concurrent creates of one e-mail address (no allowDuplicate), spread over the instances, five
 *    times: one 201 each time.
 * 3. A tenant's rate limit holds across the instances (accepted ≤ the limit per window started).
 * 4. Redis stopped: every request still served, readiness 200 with `shared: false`; restarted: every
 *    instance shares again by itself, and each logged the loss and the recovery once.
 * 5. A user removed from a tab's editors is refused on every instance within 1 s (on subscriptions that
 *    came back after the Redis restart).
 * 6. A client following delta links through different instances loses no change while writers write
 *    through all three.
 * 7. A tenant purge through one instance leaves nothing of the tenant readable through the others.
 * 8. An import whose instance is killed mid-way is finished by another: no duplicate, no lost row (last,
 *    as it kills an instance).
 * SCALE_ONLY=<words of a check's name> runs only the checks whose name contains them.
 * SCALE_WITHOUT_REDIS=1 runs the same checks with the instances on their own (no REDIS_URL).
 */
const { MongoClient } = require('mongodb');
const { startCluster, send } = require('./scale.cluster');
const { sleep } = require('./faults.service');
const { record } = require('./test-results');

const INSTANCES = 3;
const RATE_LIMIT_PER_TENANT = 600;
const RATE_LIMIT_WINDOW_S = 60;
const REVOCATION_BOUND_MS = 1000;
/** Writes per writer in the delta check: six writers stay well inside the tenant's rate limit. */
const WRITES_PER_WRITER = 40;
const IMPORT_ROWS = Number(process.env.SCALE_IMPORT_ROWS || 3000);
/** The rows an import writes per batch, and then checkpoints (src/contacts/transfer/import-run.ts). */
const IMPORT_BATCH_ROWS = 1000;
const guid = (prefix, n) => `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const log = (line) => process.stdout.write(`${line}\n`);

let sequence = 0;
async function newTab(cluster, token, extra = {}) {
  sequence += 1;
  const res = await send(cluster.url, 'POST', '/api/v1/tabs', {
    token,
    body: {
      channelId: `19:scale${sequence}@thread.tacv2`,
      channelName: 'Scale',
      displayName: `Scale ${sequence}`,
      ...extra,
    },
  });
  if (res.status !== 201) throw new Error(`tab not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function newContact(base, token, tabId, displayName) {
  const res = await send(base, 'POST', `/api/v1/tabs/${tabId}/contacts`, { token, body: { displayName } });
  if (res.status !== 201) throw new Error(`contact not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function ifMatchCheck(cluster) {
  const token = cluster.token({ tenantId: guid('aaaaaaa1', 1), userId: guid('aaaaaaa1', 11), name: 'Owner' });
  const tab = await newTab(cluster, token);
  const contact = await newContact(cluster.url, token, tab.id, 'Concurrent');
  const statuses = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      send(cluster.url, 'PATCH', `/api/v1/tabs/${tab.id}/contacts/${contact.id}`, {
        token,
        body: { jobTitle: `Writer ${i}` },
        headers: { 'if-match': contact['@odata.etag'] },
      }).then((res) => res.status),
    ),
  );
  const count = (status) => statuses.filter((s) => s === status).length;
  const after = await send(cluster.url, 'GET', `/api/v1/tabs/${tab.id}/contacts/${contact.id}`, { token });
  const version = after.body['@odata.etag'];
  const figures = `200: ${count(200)}, 412: ${count(412)}, other: ${20 - count(200) - count(412)}; ETag ${contact['@odata.etag']} -> ${version}`;
  return { ok: count(200) === 1 && count(412) === 19, figures };
}

/** Five rounds: two creates pass a check made by reading only when both read before either inserts. */
async function duplicateCheck(cluster) {
  const token = cluster.token({ tenantId: guid('aaaaaaa8', 1), userId: guid('aaaaaaa8', 11), name: 'Owner' });
  const tab = await newTab(cluster, token);
  const rounds = [];
  for (let round = 0; round < 5; round++) {
    const address = `twin.${round}@contoso.com`;
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(cluster.url, 'POST', `/api/v1/tabs/${tab.id}/contacts`, {
          token,
          body: { displayName: `Twin ${i}`, emailAddresses: [{ address }] },
        }).then((res) => res.status),
      ),
    );
    const filter = encodeURIComponent(`emailAddresses/any(e:e/address eq '${address}')`);
    const list = await send(
      cluster.url,
      'GET',
      `/api/v1/tabs/${tab.id}/contacts?$count=true&$top=0&$filter=${filter}`,
      {
        token,
      },
    );
    const count = (status) => statuses.filter((s) => s === status).length;
    rounds.push({ created: count(201), refused: count(409), stored: list.body['@odata.count'] });
  }
  const figures = `per round (201 / 409 / stored): ${rounds.map((r) => `${r.created}/${r.refused}/${r.stored}`).join(', ')}`;
  return { ok: rounds.every((r) => r.created === 1 && r.refused === 19 && r.stored === 1), figures };
}

async function rateLimitCheck(cluster) {
  const tenantId = guid('bbbbbbb2', 2);
  const tokens = Array.from({ length: 6 }, (_, i) =>
    cluster.token({ tenantId, userId: guid('bbbbbbb2', 20 + i), name: `Caller ${i}` }),
  );
  const total = RATE_LIMIT_PER_TENANT * INSTANCES;
  let accepted = 0;
  let limited = 0;
  let other = 0;
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (next < total) {
        const i = next++;
        const { status } = await send(cluster.url, 'GET', '/api/v1/me', { token: tokens[i % tokens.length] });
        if (status === 200) accepted++;
        else if (status === 429) limited++;
        else other++;
      }
    }),
  );
  const elapsedMs = Date.now() - started;
  const windows = 1 + Math.floor(elapsedMs / (RATE_LIMIT_WINDOW_S * 1000));
  const bound = RATE_LIMIT_PER_TENANT * windows;
  const figures =
    `${total} requests in ${(elapsedMs / 1000).toFixed(1)} s through ${INSTANCES} instances: ${accepted} accepted, ` +
    `${limited} refused (429), ${other} other; limit ${RATE_LIMIT_PER_TENANT} per ${RATE_LIMIT_WINDOW_S} s, bound ${bound}`;
  return { ok: accepted <= bound && accepted >= RATE_LIMIT_PER_TENANT * 0.9 && other === 0, figures };
}

async function revocationCheck(cluster) {
  const tenantId = guid('ccccccc3', 3);
  const owner = cluster.token({ tenantId, userId: guid('ccccccc3', 31), name: 'Owner' });
  const memberId = guid('ccccccc3', 32);
  const member = cluster.token({ tenantId, userId: memberId, name: 'Member' });
  const tab = await newTab(cluster, owner, {
    permissions: { contactEditors: 'members', members: [memberId] },
  });
  const contact = await newContact(cluster.url, member, tab.id, 'Editable');
  const patch = (node) =>
    send(node.url, 'PATCH', `/api/v1/tabs/${tab.id}/contacts/${contact.id}`, {
      token: member,
      body: { jobTitle: 'Edit' },
    });
  // Every instance caches the tab's configuration (30 s TTL) by serving the member an edit.
  for (const node of cluster.nodes) {
    const res = await patch(node);
    if (res.status !== 200)
      return { ok: false, figures: `warm-up edit on instance ${node.index}: ${res.status}` };
  }
  const revoked = await send(cluster.nodes[0].url, 'PATCH', `/api/v1/tabs/${tab.id}`, {
    token: owner,
    body: { permissions: { contactEditors: 'members', members: [] } },
  });
  if (revoked.status !== 200) return { ok: false, figures: `revocation: ${revoked.status}` };
  const at = Date.now();
  const refusedAfter = await Promise.all(
    cluster.nodes.map(async (node) => {
      for (;;) {
        const res = await patch(node);
        const elapsed = Date.now() - at;
        if (res.status === 403) return elapsed;
        if (elapsed > REVOCATION_BOUND_MS * 3) return Infinity;
        await sleep(20);
      }
    }),
  );
  const figures = refusedAfter
    .map(
      (ms, i) =>
        `instance ${i + 1}: ${Number.isFinite(ms) ? `refused after ${ms} ms` : 'still allowed after 3 s'}`,
    )
    .join(', ');
  return { ok: refusedAfter.every((ms) => ms <= REVOCATION_BOUND_MS), figures };
}

function csvOf(rows, prefix) {
  const lines = ['Display name,E-mail addresses,Company'];
  for (let i = 0; i < rows; i++)
    lines.push(`${prefix} ${i},${prefix.toLowerCase()}.${i}@example.com,Contoso`);
  return Buffer.from(lines.join('\r\n'));
}

async function importCheck(cluster, db) {
  const tenantId = guid('ddddddd4', 4);
  const token = cluster.token({ tenantId, userId: guid('ddddddd4', 41), name: 'Importer' });
  const tab = await newTab(cluster, token);
  const through = cluster.nodes[0];
  const form = new FormData();
  form.append('file', new Blob([csvOf(IMPORT_ROWS, 'Imported')], { type: 'text/csv' }), 'contacts.csv');
  const started = await send(through.url, 'POST', `/api/v1/tabs/${tab.id}/contacts/import`, {
    token,
    body: form,
  });
  if (started.status !== 202)
    return { ok: false, figures: `import: ${started.status} ${JSON.stringify(started.body)}` };
  const jobs = db.collection('jobs');
  const contacts = db.collection('contacts');
  // Killed while a batch is being written (a count that is not a whole number of batches): the kill may land
  // before that batch's checkpoint (then the resuming instance writes those rows again) or just after it.
  // Not during the last batch: the job could finish between this count and the kill.
  let job;
  let written = 0;
  for (const deadline = Date.now() + 60_000; ;) {
    written = await contacts.countDocuments({ tenantId, tabId: tab.id });
    if (written % IMPORT_BATCH_ROWS !== 0 && written < IMPORT_ROWS - IMPORT_BATCH_ROWS) break;
    job = await jobs.findOne({ _id: started.body.id }, { projection: { status: 1 } });
    if (job.status !== 'running' && job.status !== 'queued')
      return { ok: false, figures: `the import was ${job.status} before it could be interrupted` };
    if (Date.now() > deadline) return { ok: false, figures: 'no batch written within 60 s' };
  }
  job = await jobs.findOne({ _id: started.body.id });
  const owner = cluster.nodes.find((node) => node.jobInstanceId() === job.leaseOwner);
  if (!owner) {
    return { ok: false, figures: `no instance owns the lease ${job.leaseOwner} (the job is ${job.status})` };
  }
  await owner.kill();
  const killedAt = Date.now();
  const afterKill = await jobs.findOne({ _id: started.body.id });
  const processedAtKill = afterKill.progress.processed;
  const beyondCheckpoint = (await contacts.countDocuments({ tenantId, tabId: tab.id })) - processedAtKill;
  let done;
  for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
    const res = await send(cluster.url, 'GET', `/api/v1/jobs/${started.body.id}`, { token });
    if (res.body?.status === 'succeeded' || res.body?.status === 'failed') {
      done = res.body;
      break;
    }
    if (Date.now() > deadline)
      return { ok: false, figures: `the import is still ${res.body?.status} 60 s after the kill` };
  }
  const finished = await jobs.findOne({ _id: started.body.id });
  const stored = await contacts
    .find({ tenantId, tabId: tab.id }, { projection: { displayName: 1 } })
    .toArray();
  const distinct = new Set(stored.map((c) => c.displayName)).size;
  const figures =
    `${IMPORT_ROWS} rows started through instance ${through.index}, run by instance ${owner.index}, killed while ` +
    `writing a batch (${written} rows seen, ${processedAtKill} checkpointed, ${beyondCheckpoint} written past the checkpoint); ${done.status} ${((Date.now() - killedAt) / 1000).toFixed(1)} s later ` +
    `(claims: ${finished.attempts}; created ${done.progress.created}, skipped ${done.progress.skipped}, failed ${done.progress.failed}); ${stored.length} contacts, ${distinct} distinct`;
  return {
    ok:
      done.status === 'succeeded' &&
      stored.length === IMPORT_ROWS &&
      distinct === IMPORT_ROWS &&
      done.progress.created === IMPORT_ROWS &&
      finished.attempts >= 2,
    figures,
  };
}

async function deltaRound(cluster, token, link, state) {
  let pages = 0;
  for (let url = link; ;) {
    const res = await send(cluster.url, 'GET', url, { token });
    if (res.status !== 200) throw new Error(`delta page: ${res.status} ${JSON.stringify(res.body)}`);
    pages++;
    for (const item of res.body.value) {
      if (item['@removed']) state.delete(item.id);
      else state.set(item.id, item.jobTitle ?? null);
    }
    const next = res.body['@odata.nextLink'] ?? res.body['@odata.deltaLink'];
    url = next.slice(next.indexOf('/api/'));
    if (res.body['@odata.deltaLink']) return { deltaLink: url, pages };
  }
}

async function deltaCheck(cluster) {
  const tenantId = guid('eeeeeee5', 5);
  const token = cluster.token({ tenantId, userId: guid('eeeeeee5', 51), name: 'Syncer' });
  const tab = await newTab(cluster, token);
  const state = new Map();
  let { deltaLink } = await deltaRound(
    cluster,
    token,
    `/api/v1/tabs/${tab.id}/contacts/delta?$top=20`,
    state,
  );
  let writing = true;
  let writes = 0;
  const writer = async (node, w) => {
    const mine = [];
    for (let i = 0; writing && i < WRITES_PER_WRITER; i++) {
      if (mine.length < 5 || i % 3 === 0)
        mine.push((await newContact(node.url, token, tab.id, `Delta ${w}.${i}`)).id);
      else if (i % 3 === 1) {
        const id = mine[i % mine.length];
        await send(node.url, 'PATCH', `/api/v1/tabs/${tab.id}/contacts/${id}`, {
          token,
          body: { jobTitle: `v${i}` },
        });
      } else {
        const id = mine.splice(i % mine.length, 1)[0];
        await send(node.url, 'DELETE', `/api/v1/tabs/${tab.id}/contacts/${id}`, { token });
      }
      writes++;
    }
  };
  const failures = [];
  const writers = cluster.nodes.flatMap((node, n) =>
    [n * 2, n * 2 + 1].map((w) =>
      writer(node, w).catch((error) => {
        writing = false;
        failures.push(`writer ${w}: ${error.message}`);
      }),
    ),
  );
  let rounds = 0;
  let pages = 0;
  let writersDone = false;
  const done = Promise.all(writers).then(() => {
    writersDone = true;
  });
  while (!writersDone) {
    const round = await deltaRound(cluster, token, deltaLink, state);
    deltaLink = round.deltaLink;
    pages += round.pages;
    rounds++;
    await sleep(50);
  }
  await done;
  const last = await deltaRound(cluster, token, deltaLink, state);
  pages += last.pages;
  const truth = new Map();
  await deltaRound(cluster, token, `/api/v1/tabs/${tab.id}/contacts/delta?$top=50`, truth);
  let lost = 0;
  for (const [id, title] of truth) if (state.get(id) !== title) lost++;
  const extra = [...state.keys()].filter((id) => !truth.has(id)).length;
  const figures = `${writes} writes through ${INSTANCES} instances while ${rounds + 1} delta rounds (${pages} pages) were followed round robin; ${truth.size} contacts at the end, ${lost} missed or stale, ${extra} deleted but still held`;
  if (failures.length) return { ok: false, figures: `${figures}; ${failures.join('; ')}` };
  return { ok: lost === 0 && extra === 0 && truth.size > 0, figures };
}

async function purgeCheck(cluster) {
  const tenantId = guid('fffffff6', 6);
  const admin = cluster.token({ tenantId, userId: guid('fffffff6', 61), name: 'Admin', admin: true });
  const tab = await newTab(cluster, admin);
  await newContact(cluster.url, admin, tab.id, 'Purged');
  // Every instance holds the tab's configuration and the admin's profile in its caches.
  for (const node of cluster.nodes) {
    await send(node.url, 'GET', `/api/v1/tabs/${tab.id}/contacts`, { token: admin });
    await send(node.url, 'GET', '/api/v1/me', { token: admin });
  }
  const purgedAt = Date.now();
  const purge = await send(cluster.nodes[0].url, 'DELETE', '/api/v1/admin/tenant-data', {
    token: admin,
    headers: { 'x-confirm-tenant-id': tenantId },
  });
  if (purge.status !== 200) return { ok: false, figures: `purge: ${purge.status}` };
  await sleep(200);
  const found = [];
  for (const node of cluster.nodes.slice(1)) {
    const tabRead = await send(node.url, 'GET', `/api/v1/tabs/${tab.id}`, { token: admin });
    if (tabRead.status !== 404) found.push(`instance ${node.index}: tab ${tabRead.status}`);
    const contacts = await send(node.url, 'GET', `/api/v1/tabs/${tab.id}/contacts`, { token: admin });
    if (contacts.status !== 404) found.push(`instance ${node.index}: contacts ${contacts.status}`);
    const search = await send(node.url, 'GET', '/api/v1/contacts', { token: admin });
    if (search.body?.value?.length)
      found.push(`instance ${node.index}: ${search.body.value.length} contacts found`);
    const me = await send(node.url, 'GET', '/api/v1/me', { token: admin });
    // The request signs the admin in again: a profile recorded before the purge must not be served.
    if (new Date(me.body?.createdDateTime).getTime() < purgedAt)
      found.push(`instance ${node.index}: profile from before the purge`);
  }
  const figures = `${purge.body.totalDeleted} documents purged through instance 1; read back through instances 2-${INSTANCES}: ${found.length === 0 ? 'nothing' : found.join('; ')}`;
  return { ok: found.length === 0, figures };
}

async function readiness(cluster) {
  return Promise.all(cluster.nodes.map((node) => send(node.url, 'GET', '/health/ready')));
}

const logLines = (node, text) =>
  node
    .output()
    .split('\n')
    .filter((line) => line.includes(text)).length;

async function redisOutageCheck(cluster) {
  if (!cluster.redis) return { ok: false, figures: 'this run has no Redis' };
  const token = cluster.token({
    tenantId: guid('99999997', 7),
    userId: guid('99999997', 71),
    name: 'Caller',
  });
  await cluster.redis.stop();
  const stoppedAt = Date.now();
  const statuses = [];
  for (let i = 0; i < 60; i++)
    statuses.push((await send(cluster.url, 'GET', '/api/v1/me', { token })).status);
  const served = statuses.filter((status) => status === 200).length;
  const slowest = Date.now() - stoppedAt;
  const degraded = (await readiness(cluster)).filter(
    (res) => res.status === 200 && res.body.details.redis.shared === false,
  ).length;
  await cluster.restartRedis();
  const restartedAt = Date.now();
  let shared = 0;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(100)) {
    shared = (await readiness(cluster)).filter((res) => res.body?.details?.redis?.shared === true).length;
    if (shared === cluster.nodes.length) break;
  }
  const reconnectMs = Date.now() - restartedAt;
  const lost = cluster.nodes.map((node) => logLines(node, 'Redis is unreachable'));
  const back = cluster.nodes.map((node) => logLines(node, 'Redis is reachable again'));
  const figures =
    `Redis stopped: ${served} of ${statuses.length} requests served in ${slowest} ms, readiness 200 and ` +
    `shared: false on ${degraded} of ${cluster.nodes.length}; restarted: shared again on ${shared} within ` +
    `${reconnectMs} ms; "unreachable" logged ${lost.join('/')} times, "reachable again" ${back.join('/')}`;
  const n = cluster.nodes.length;
  return {
    ok:
      served === statuses.length &&
      degraded === n &&
      shared === n &&
      lost.every((count) => count === 1) &&
      back.every((count) => count === 1),
    figures,
  };
}

const CHECKS = [
  ['20 concurrent PATCHes with one If-Match: exactly one 200', ifMatchCheck],
  ['20 concurrent creates of one e-mail address: exactly one contact', duplicateCheck],
  ['a tenant rate limit holds across the instances', rateLimitCheck],
  // Early: the cache invalidation checks after it then run on subscriptions renewed after a Redis restart.
  [
    'Redis stopped and restarted: served throughout, readiness says so, reconnected, logged once',
    redisOutageCheck,
  ],
  ["a user removed from a tab's editors is refused on every instance within 1 s", revocationCheck],
  ['delta links followed through different instances lose no change', deltaCheck],
  ['a tenant purge leaves nothing readable through the other instances', purgeCheck],
  // Last: it kills an instance.
  ['an import whose instance is killed is finished by another, no duplicate, no lost row', importCheck],
];

async function main() {
  const withRedis = process.env.SCALE_WITHOUT_REDIS !== '1';
  log(
    `scale-out test: ${INSTANCES} instances on one embedded database, ${withRedis ? 'sharing one Redis' : 'WITHOUT Redis'}, behind a round-robin proxy`,
  );
  const cluster = await startCluster({
    instances: INSTANCES,
    redis: withRedis,
    env: {
      RATE_LIMIT_PER_TENANT: String(RATE_LIMIT_PER_TENANT),
      RATE_LIMIT_WINDOW_SECONDS: String(RATE_LIMIT_WINDOW_S),
      JOB_LEASE_MS: '2000',
      JOB_POLL_INTERVAL_MS: '200',
    },
  });
  const client = await MongoClient.connect(cluster.dbUri);
  const db = client.db(cluster.dbName);
  let passed = 0;
  let failed = 0;
  try {
    const only = process.env.SCALE_ONLY;
    for (const [name, check] of CHECKS.filter(([name]) => !only || name.includes(only))) {
      let result;
      try {
        result = await check(cluster, db);
      } catch (error) {
        result = { ok: false, figures: `error: ${error.stack ?? error}` };
      }
      if (result.ok) passed++;
      else failed++;
      log(`${result.ok ? 'PASS' : 'FAIL'} ${name}\n     ${result.figures}`);
    }
  } finally {
    await client.close();
    await cluster.stop();
  }
  record('scale', { passed, failed });
  log(`scale-out checks: ${passed} of ${CHECKS.length} passed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  record('scale', { failed: 1 });
  process.exitCode = 1;
});
