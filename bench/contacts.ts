/**
 * Contacts API throughput against the raw MongoDB driver on the same data.
 *
 * Seeds N contacts (default 20 000) in 4 tabs of 2 tenants through the driver in bulk, with the stored
 * fields computed by the service's own pure mapping (contact-mapping.ts), then measures with autocannon
 * at a fixed concurrency, each for `--duration` seconds after a warm-up:
 *   list (default order, page of 50) · filter + orderby · two-term $search · deep page ($skiptoken,
 *   page 100) · get by id · create.
 * Every read is measured twice: through the API (a child process: the real service, local identity
 * provider, bearer token) and through a tiny HTTP server (another child process) that runs the
 * equivalent driver query per request and returns the documents as JSON — the same HTTP overhead class,
 * so the API/driver ratio is the cost of the service itself. The driver queries are built once, with
 * the same OData engine and keyset the API uses, so both sides run the same filter, sort and limit.
 *
 * Run: npm run bench -- [--contacts 20000] [--connections N] [--duration 10 | --requests N] [--warmup 2]
 *                       [--deep-page 100] [--only get,list]
 * Writes bench/results/contacts.json. Uses MONGODB_URI when set, else starts the embedded database.
 *
 * Each measurement runs either for `--duration` seconds or for exactly `--requests` requests; the rate is
 * the count over the measured wall time. The default is 8 connections for 10 s each. The FerretDB engine
 * (EMBEDDED_DB_ENGINE=ferretdb) reads and decodes the whole collection for every query, seconds per
 * request at 20 000 contacts: there the default is 1 connection and 6 requests per measurement (after 1
 * to warm up), so that every request completes and is counted.
 *
 * The deep page's `$skiptoken` is made from the row before page N, read through the driver and signed
 * with the service's secret: the same token the (N-1)th `@odata.nextLink` carries, without walking
 * N-1 pages first (minutes on the embedded database).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BSON, MongoClient, type Document, type Filter } from 'mongodb';
import { seededRandom } from '../test/support/odata-fixture';
import { serveApi, startChild, stopChild } from './support/service-process';
import { autocannon, type AutocannonRequest } from './support/autocannon';

/** Seconds before autocannon counts a request as failed: a slow database is measured, not dropped. */
const REQUEST_TIMEOUT_SECONDS = 300;

const TENANTS = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
const USERS = ['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002'];
const TABS_PER_TENANT = 2;
const PAGE = 50;
const SEED_BATCH = 1000;
const API_ENV = {
  LOG_LEVEL: 'silent',
  NODE_ENV: 'development',
  // The benchmark is one user sending thousands of requests a second: the limits would answer 429.
  RATE_LIMIT_PER_USER: '10000000',
  RATE_LIMIT_PER_TENANT: '100000000',
  // Slow requests are measured, not cut off at the service's usual 30 s.
  REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_SECONDS * 1000),
};

const GIVEN = [
  'John',
  'Joanna',
  'Zoë',
  'Seán',
  'Adele',
  'Megan',
  'Lee',
  'Alex',
  'Diego',
  'Isaiah',
  'Lidia',
  'Nestor',
  'Patti',
  'Pradeep',
  'Grady',
  'Johanna',
  'Miriam',
  'Lynne',
  'Irvin',
  'Henrietta',
];
const SURNAMES = [
  'Smith',
  'Smithers',
  'Dupont',
  "O'Brien",
  'Vance',
  'Bowen',
  'Gu',
  'Wilber',
  'Siciliani',
  'Langer',
  'Holloway',
  'Sullivan',
  'Fernández',
  'Gupta',
  'Archie',
  'Jøhansen',
  'Graham',
  'Robbins',
  'Sayavong',
  'Müller',
];
const COMPANIES = [
  'Contoso',
  'Fabrikam',
  'Northwind Traders',
  'Adventure Works',
  'Litware',
  'Tailspin Toys',
  'Wide World Importers',
  'Woodgrove Bank',
  'Proseware',
  'Lucerne Publishing',
  'Alpine Ski House',
  'Coho Winery',
  'Fourth Coffee',
  'Margie’s Travel',
  'Trey Research',
];
const JOBS = [
  'Buyer',
  'CTO',
  'Account Manager',
  'Engineer',
  'Sales Director',
  'Office Manager',
  'Consultant',
];
const DEPARTMENTS = ['Purchasing', 'R&D', 'Sales', 'Finance', 'Operations'];
const INDUSTRIES = ['Retail', 'Énergie', 'Banking', 'Manufacturing', 'Travel'];
const CATEGORIES = ['Supplier', 'Partner', 'Customer'];

type DriverQuery =
  | { kind: 'find'; filter: Document; sort: Document; limit: number; projection: Document }
  | { kind: 'findOne'; filter: Document; projection: Document };

interface Row {
  scenario: string;
  api: Measured;
  driver: Measured | null;
  apiToDriverThroughput: number | null;
}

interface Measured {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
}

const { values: flags } = parseArgs({
  options: {
    contacts: { type: 'string', default: '20000' },
    duration: { type: 'string', default: '10' },
    requests: { type: 'string' },
    connections: { type: 'string' },
    warmup: { type: 'string', default: '2' },
    'deep-page': { type: 'string', default: '100' },
    only: { type: 'string' },
    'serve-api': { type: 'boolean', default: false },
    'serve-driver': { type: 'boolean', default: false },
  },
});

function ascii(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

/** Child process: one route per read scenario, each running its driver query and answering the JSON. */
async function serveDriver(): Promise<void> {
  const spec = BSON.EJSON.parse(process.env.BENCH_DRIVER_SPEC ?? '{}', { relaxed: true }) as {
    dbName: string;
    queries: Record<string, DriverQuery>;
  };
  const client = await new MongoClient(process.env.MONGODB_URI as string, {
    maxPoolSize: 50,
    directConnection: true,
  }).connect();
  const collection = client.db(spec.dbName).collection('contacts');
  const server = createServer((request, response) => {
    const query = spec.queries[(request.url ?? '/').slice(1)];
    if (!query) {
      response.writeHead(404).end();
      return;
    }
    const run: Promise<unknown> =
      query.kind === 'find'
        ? collection
            .find(query.filter as Filter<Document>, { projection: query.projection })
            .sort(query.sort as Record<string, 1 | -1>)
            .limit(query.limit)
            .toArray()
            .then((value) => ({ value }))
        : collection.findOne(query.filter as Filter<Document>, { projection: query.projection });
    run.then(
      (body) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      () => response.writeHead(500).end(),
    );
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`ready http://127.0.0.1:${port}\n`);
  });
  process.stdin.resume();
  process.stdin.on('end', () => void client.close().then(() => process.exit(0)));
}

/** How long each measurement runs: seconds, or a number of requests. */
type Span = { seconds: number; warmupSeconds: number } | { requests: number };

async function measure(
  url: string,
  options: { headers?: Record<string, string>; requests?: AutocannonRequest[] },
  connections: number,
  span: Span,
): Promise<Measured> {
  const timeout = REQUEST_TIMEOUT_SECONDS;
  const run = (length: { duration: number } | { amount: number }) =>
    autocannon({ url, connections, timeout, ...length, ...options });
  if ('requests' in span) await run({ amount: connections });
  else if (span.warmupSeconds > 0) await run({ duration: span.warmupSeconds });
  const startedAt = process.hrtime.bigint();
  const result = await run('requests' in span ? { amount: span.requests } : { duration: span.seconds });
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  return {
    // From the measured wall time: autocannon's own duration is whole seconds, so a fixed count of fast
    // requests would come out as "N req/s" whatever the engine.
    requestsPerSecond: Math.round((result.requests.total / seconds) * 100) / 100,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** The engine as the service names it at start (database-engine.ts). */
async function engineOf(client: MongoClient): Promise<string> {
  const { identifyEngine } = await import('../src/database/database-engine');
  const info = identifyEngine(await client.db('admin').command({ buildInfo: 1 }));
  return `${info.name} ${info.version}`;
}

async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function tabBody(tenant: number, index: number): Record<string, unknown> {
  return {
    channelId: `19:bench-${tenant}-${index}@thread.tacv2`,
    channelName: `Bench ${tenant}.${index}`,
    displayName: `Bench book ${tenant}.${index}`,
    customFields: [
      { key: 'industry', label: 'Industry', type: 'choice', choices: INDUSTRIES.map((value) => ({ value })) },
      { key: 'rating', label: 'Rating', type: 'number' },
    ],
    categories: CATEGORIES.map((name, i) => ({ name, color: `#00000${i}` })),
  };
}

/** One contact's input, as a client would send it. */
function contactInput(next: () => number, serial: number): Record<string, unknown> {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const givenName = pick(GIVEN);
  const surname = pick(SURNAMES);
  const companyName = pick(COMPANIES);
  return {
    givenName,
    surname,
    companyName,
    jobTitle: pick(JOBS),
    department: pick(DEPARTMENTS),
    emailAddresses: [{ address: `${ascii(givenName)}.${ascii(surname)}${serial}@${ascii(companyName)}.com` }],
    phones: [
      {
        number: `+1 (425) 555-${String(serial % 10_000).padStart(4, '0')}`,
        type: pick(['business', 'mobile']),
      },
    ],
    categories: CATEGORIES.filter(() => next() < 0.4),
    customFields: { industry: pick(INDUSTRIES), rating: 1 + Math.floor(next() * 5) },
  };
}

async function main(): Promise<void> {
  // FerretDB decodes the whole collection for every query (seconds per request at 20 000 contacts): on it
  // the defaults are one connection and a fixed count of requests, so that every request is counted.
  const slowEngine = !process.env.MONGODB_URI && process.env.EMBEDDED_DB_ENGINE === 'ferretdb';
  const total = Number(flags.contacts);
  const duration = Number(flags.duration);
  const requests = Number(flags.requests ?? (slowEngine ? 6 : 0));
  const connections = Number(flags.connections ?? (slowEngine ? 1 : 8));
  const warmup = Number(flags.warmup);
  const deepPage = Number(flags['deep-page']);
  const perTab = Math.floor(total / (TENANTS.length * TABS_PER_TENANT));
  if (
    ![total, duration, requests, connections, warmup, deepPage].every((n) => Number.isFinite(n) && n >= 0)
  ) {
    throw new Error(
      '--contacts, --duration, --requests, --connections, --warmup and --deep-page take numbers',
    );
  }
  const span: Span = requests > 0 ? { requests } : { seconds: duration, warmupSeconds: warmup };
  if (deepPage < 2 || perTab <= (deepPage - 1) * PAGE) {
    throw new Error(`page ${deepPage} needs more than ${(deepPage - 1) * PAGE} contacts per tab (4 tabs)`);
  }
  const started = Date.now();

  const { applyContactInput, EMPTY_CONTACT, storedContactFields } =
    await import('../src/contacts/core/contact-mapping');
  const { contactModelForTab } = await import('../src/contacts/core/contact.entity-model');
  const { createSkiptoken, keysetCondition, parseODataQuery, readODataRequest, readPath } =
    await import('../src/odata');
  const localIdp = await import('../src/auth/local-identity-provider');

  const workDir = mkdtempSync(join(tmpdir(), 'contact-pro-bench-contacts-'));
  const dbName = `bench_contacts_${Date.now()}`;
  const env: Record<string, string> = {
    ...API_ENV,
    LOCAL_IDP_DIR: join(workDir, 'idp'),
    MONGODB_DB_NAME: dbName,
    PAGING_TOKEN_SECRET: randomBytes(32).toString('hex'),
  };
  let stopDb: (() => Promise<void>) | undefined;
  let database = 'MONGODB_URI';
  if (process.env.MONGODB_URI) {
    env.MONGODB_URI = process.env.MONGODB_URI;
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startEmbeddedDb } = require('../tools/embedded-db');
    const db = await startEmbeddedDb({ dataDir: join(workDir, 'db') });
    env.MONGODB_URI = db.uri;
    stopDb = () => db.stop();
    database = `embedded ${String(db.description)}`;
  }
  const client = await new MongoClient(env.MONGODB_URI, { directConnection: true }).connect();
  const children: ChildProcess[] = [];
  try {
    database = `${database}; the service sees ${await engineOf(client)}`;
    process.stdout.write(`database: ${database}\n`);

    const service = await startChild(__filename, '--serve-api', env);
    children.push(service.child);
    const [apiUrl, idpUrl] = service.words;
    const keys = await localIdp.loadKeyMaterial(env.LOCAL_IDP_DIR);
    const tokens = TENANTS.map((tenantId, i) =>
      localIdp.mintToken(keys, {
        issuer: localIdp.issuerFor(idpUrl, tenantId),
        audience: localIdp.LOCAL_CLIENT_ID,
        tenantId,
        userId: USERS[i],
        name: `Bench User ${i + 1}`,
      }),
    );

    // Tabs through the API; contacts through the driver in bulk, mapped by the service's functions.
    const tabs: Array<{ tenant: number; tab: any }> = [];
    for (const [tenant] of TENANTS.entries()) {
      for (let index = 0; index < TABS_PER_TENANT; index++) {
        tabs.push({
          tenant,
          tab: await api(apiUrl, tokens[tenant], 'POST', '/api/v1/tabs', tabBody(tenant, index)),
        });
      }
    }
    const seedStart = Date.now();
    const collection = client.db(dbName).collection<Document>('contacts');
    let serial = 0;
    for (const { tenant, tab } of tabs) {
      const next = seededRandom(serial + 1);
      let changeSeq = 0;
      const model = contactModelForTab(tab.customFields);
      const author = { id: USERS[tenant], displayName: `Bench User ${tenant + 1}` };
      for (let offset = 0; offset < perTab; offset += SEED_BATCH) {
        const batch: Document[] = [];
        for (let i = offset; i < Math.min(perTab, offset + SEED_BATCH); i++) {
          const { fields, problems } = applyContactInput(
            EMPTY_CONTACT,
            contactInput(next, serial++),
            tab,
            'create',
          );
          if (problems.length) throw new Error(`seed contact invalid: ${JSON.stringify(problems)}`);
          const when = new Date(Date.UTC(2024, 0, 1) + serial * 60_000);
          batch.push({
            _id: randomUUID(),
            tenantId: TENANTS[tenant],
            tabId: tab.id,
            ...storedContactFields(fields, model),
            favoritedBy: next() < 0.1 ? [USERS[tenant]] : [],
            createdBy: author,
            lastModifiedBy: author,
            createdDateTime: when,
            lastModifiedDateTime: when,
            version: 1,
            changeSeq: ++changeSeq,
          });
        }
        await collection.insertMany(batch, { ordered: false });
      }
      // The tab's change sequence, as the service would have left it after these writes.
      await client
        .db(dbName)
        .collection<{ _id: string } & Document>('contactChangeSequences')
        .insertOne({
          _id: `${TENANTS[tenant]}|${tab.id}`,
          tenantId: TENANTS[tenant],
          tabId: tab.id,
          last: changeSeq,
        });
    }
    const seedSeconds = (Date.now() - seedStart) / 1000;
    process.stdout.write(`seeded ${serial} contacts in ${tabs.length} tabs in ${seedSeconds.toFixed(1)} s\n`);

    // The scenarios, on the first tab of the first tenant; each driver query is built by the same engine.
    const { tab } = tabs[0];
    const token = tokens[0];
    const headers = { authorization: `Bearer ${token}` };
    const base = `/api/v1/tabs/${tab.id}/contacts`;
    const model = contactModelForTab(tab.customFields);
    const projection = { searchKeys: 0 };
    const scope = { tenantId: TENANTS[0], tabId: tab.id };
    const caller = { userId: USERS[0] };
    const driverFind = (raw: Record<string, string>, extra?: Document): DriverQuery => {
      const query = parseODataQuery(
        readODataRequest(raw, `http://bench${base}`, 'http://bench'),
        model,
        caller,
      );
      const parts = [scope, query.filter, extra].filter((part): part is Document => part !== undefined);
      return {
        kind: 'find',
        filter: parts.length === 1 ? parts[0] : { $and: parts },
        sort: query.sort,
        limit: query.pageSize + 1,
        projection,
      };
    };
    const withQuery = (raw: Record<string, string>) =>
      `${base}?${Object.entries(raw)
        .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
        .join('&')}`;

    const filtered = {
      $filter: "categories/any(c: c eq 'Supplier') and customFields/rating ge 3",
      $orderby: 'displayName',
    };
    const search = { $search: 'jo sm' };

    // Page N: the token the (N-1)th @odata.nextLink carries, made from the last row of page N-1.
    const pageRequest = readODataRequest({ $top: String(PAGE) }, `http://bench${base}`, 'http://bench');
    const pageQuery = parseODataQuery(pageRequest, model, caller);
    const [beforeDeep] = await collection
      .find(scope, { projection: { _id: 1 } })
      .sort(pageQuery.sort)
      .skip((deepPage - 1) * PAGE - 1)
      .limit(1)
      .toArray();
    const position = pageQuery.sortKeys.map((key) => readPath(beforeDeep, key.path) ?? null);
    const deepToken = createSkiptoken({ values: position }, pageQuery.hash, env.PAGING_TOKEN_SECRET);
    const deepPath = `${base}?$top=${PAGE}&$skiptoken=${encodeURIComponent(deepToken)}`;
    const deepKeyset = keysetCondition(pageQuery.sortKeys, position);
    const [someContact] = await collection
      .find(scope, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .skip(Math.floor(perTab / 2))
      .limit(1)
      .toArray();

    const reads: Array<{ name: string; path: string; driver: DriverQuery }> = [
      { name: 'list (default order, page of 50)', path: base, driver: driverFind({}) },
      { name: 'filter + orderby', path: withQuery(filtered), driver: driverFind(filtered) },
      { name: 'two-term search', path: withQuery(search), driver: driverFind(search) },
      {
        name: `deep page ($skiptoken, page ${deepPage})`,
        path: deepPath,
        driver: driverFind({ $top: String(PAGE) }, deepKeyset),
      },
      {
        name: 'get by id',
        path: `${base}/${String(someContact._id)}`,
        driver: { kind: 'findOne', filter: { ...scope, _id: someContact._id }, projection },
      },
    ];
    for (const read of reads) {
      const before = Date.now();
      const body = await api(apiUrl, token, 'GET', read.path);
      const count = Array.isArray(body.value) ? body.value.length : 1;
      process.stdout.write(
        `  ${read.name}: ${count} row(s) per response (first one ${Date.now() - before} ms)\n`,
      );
    }

    const driver = await startChild(__filename, '--serve-driver', {
      MONGODB_URI: env.MONGODB_URI,
      BENCH_DRIVER_SPEC: BSON.EJSON.stringify(
        { dbName, queries: Object.fromEntries(reads.map((read, i) => [`q${i}`, read.driver])) },
        { relaxed: false },
      ),
    });
    children.push(driver.child);
    const [driverUrl] = driver.words;

    // --only get,list: the scenarios whose names contain one of these words (for profiling one path).
    const wanted = (name: string) =>
      !flags.only || flags.only.split(',').some((word) => name.includes(word.trim()));
    const results: Row[] = [];
    for (const [i, read] of reads.entries()) {
      if (!wanted(read.name)) continue;
      process.stdout.write(`measuring ${read.name}...\n`);
      const viaApi = await measure(`${apiUrl}${read.path}`, { headers }, connections, span);
      const viaDriver = await measure(`${driverUrl}/q${i}`, {}, connections, span);
      results.push({
        scenario: read.name,
        api: viaApi,
        driver: viaDriver,
        apiToDriverThroughput:
          viaDriver.requestsPerSecond > 0
            ? Math.round((viaApi.requestsPerSecond / viaDriver.requestsPerSecond) * 100) / 100
            : null,
      });
    }

    if (wanted('create')) {
      process.stdout.write('measuring create...\n');
      const createNext = seededRandom(987_654);
      let created = 0;
      const viaApiCreate = await measure(
        `${apiUrl}${base}`,
        {
          requests: [
            {
              method: 'POST',
              headers: { ...headers, 'content-type': 'application/json' },
              setupRequest: (request) => ({
                ...request,
                body: JSON.stringify(contactInput(createNext, 1_000_000 + created++)),
              }),
            },
          ],
        },
        connections,
        span,
      );
      results.push({ scenario: 'create', api: viaApiCreate, driver: null, apiToDriverThroughput: null });
    }

    const list = results.find((row) => row.scenario.startsWith('list'))?.api;
    const deep = results.find((row) => row.scenario.startsWith('deep page'))?.api;
    const report = {
      benchmark: 'contacts API vs raw driver',
      database,
      contacts: serial,
      tabs: tabs.length,
      tenants: TENANTS.length,
      connections,
      span,
      seedSeconds,
      driverComparison:
        'a loopback HTTP server in its own process runs the equivalent driver query per request (same filter, sort, limit, projection) and answers the documents as JSON',
      results,
      goals: {
        apiKeepsAtLeast70PercentOfDriverThroughput: Object.fromEntries(
          results
            .filter((row) => row.apiToDriverThroughput !== null)
            .map((row) => [row.scenario, (row.apiToDriverThroughput ?? 0) >= 0.7]),
        ),
        deepPageP50OverPage1P50:
          list && deep
            ? Math.round((deep.latencyP50Ms / Math.max(list.latencyP50Ms, 0.001)) * 100) / 100
            : null,
        deepPageWithin1_5xOfPage1: list && deep ? deep.latencyP50Ms <= 1.5 * list.latencyP50Ms : null,
      },
      totalSeconds: Math.round((Date.now() - started) / 1000),
      node: process.version,
      date: new Date().toISOString(),
    };
    const directory = join(__dirname, 'results');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'contacts.json'), `${JSON.stringify(report, null, 2)}\n`);

    const row = (cells: string[]) => `| ${cells.join(' | ')} |\n`;
    process.stdout.write(
      `\n${database}; ${serial} contacts; ${connections} connections; ${
        'requests' in span ? `${span.requests} requests` : `${span.seconds} s`
      } each\n\n`,
    );
    process.stdout.write(
      row([
        'scenario',
        'API req/s',
        'p50 ms',
        'p99 ms',
        'driver req/s',
        'p50 ms',
        'p99 ms',
        'API/driver',
        'non-2xx/errors',
      ]),
    );
    process.stdout.write(row(Array(9).fill('---')));
    for (const result of results) {
      const a = result.api;
      const d = result.driver;
      process.stdout.write(
        row([
          result.scenario,
          String(a.requestsPerSecond),
          String(a.latencyP50Ms),
          String(a.latencyP99Ms),
          d ? String(d.requestsPerSecond) : '–',
          d ? String(d.latencyP50Ms) : '–',
          d ? String(d.latencyP99Ms) : '–',
          result.apiToDriverThroughput === null ? '–' : String(result.apiToDriverThroughput),
          `${a.non2xx + (d?.non2xx ?? 0)}/${a.errors + (d?.errors ?? 0)}`,
        ]),
      );
    }
    process.stdout.write(
      `\ndeep page p50 / page 1 p50: ${report.goals.deepPageP50OverPage1P50} (goal ≤ 1.5)\n` +
        `total ${report.totalSeconds} s; written to bench/results/contacts.json\n`,
    );
  } finally {
    for (const child of children) await stopChild(child);
    await client.close();
    await stopDb?.();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const entry = flags['serve-api'] ? serveApi : flags['serve-driver'] ? serveDriver : main;
entry().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
