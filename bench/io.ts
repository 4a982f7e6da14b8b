/**
 * Contact import and export throughput and memory.
 *
 * Generates an N-row (default 50 000) contact sheet as xlsx and as CSV, imports each into a tab of its
 * own through the API (upload → job → succeeded), then exports a tab as xlsx and as CSV (streamed to the
 * end), after an unmeasured warm-up of each path on a few hundred rows. For each direction it prints rows
 * per second and the peak growth of the API process's resident memory over its level before that step
 * (sampled every 25 ms from /proc), and writes them to bench/results/io.json.
 *
 * For scale, the same contacts (at most 10 000) are also written with the raw driver's insertMany and read
 * back with a raw cursor: the database's own ceiling on this machine.
 *
 * Run: npm run bench:io -- [--rows 50000]
 * Uses MONGODB_URI when set, else starts the embedded database. The API runs in a child process of its
 * own, so that its memory is measured alone.
 */
import ExcelJS from 'exceljs';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient, type Document } from 'mongodb';
import { serveApi, startChild, stopChild } from './support/service-process';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = 'aaaaaaaa-0000-4000-8000-000000000001';
const HEADERS = [
  'Display name',
  'First name',
  'Last name',
  'Company',
  'Job title',
  'E-mail addresses',
  'Business phone',
  'Mobile phone',
  'Business city',
  'Business country/region',
  'Categories',
  'Notes',
  'Segment',
];
const WARMUP_ROWS = 500;
const GOALS = { importRowsPerSecond: 2000, exportRowsPerSecond: 10_000, peakMemoryGrowthMiB: 200 };

const { values: flags } = parseArgs({
  options: { rows: { type: 'string' }, 'serve-api': { type: 'boolean' } },
  allowPositionals: false,
});

const GIVEN = ['Adèle', 'Lee', 'Megan', 'Zoë', 'Jean', 'Ana', 'Ravi', 'Chloé', 'Tomás', 'Yuki'];
const FAMILY = ['Vance', 'Gu', 'Bowen', 'Durand', 'Müller', 'Silva', 'Patel', 'Lefèvre', 'García', 'Sato'];
const COMPANIES = ['Contoso', 'Fabrikam', 'Northwind', 'Tailspin', 'Wingtip', 'Litware'];
const CITIES = [
  ['Paris', 'France'],
  ['Redmond', 'United States'],
  ['München', 'Germany'],
  ['São Paulo', 'Brazil'],
];

function row(i: number): string[] {
  const given = GIVEN[i % GIVEN.length];
  const family = FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length];
  const [city, country] = CITIES[i % CITIES.length];
  return [
    `${given} ${family} ${i}`,
    given,
    `${family} ${i}`,
    `${COMPANIES[i % COMPANIES.length]} ${i % 97}`,
    i % 3 === 0 ? 'Buyer' : 'Account manager',
    `contact.${i}@example.com`,
    `+33 1 ${String(10 + (i % 90))} ${String(i)
      .padStart(6, '0')
      .replace(/(\d\d)(\d\d)(\d\d)/, '$1 $2 $3')}`,
    i % 2
      ? `+33 6 12 ${String(i)
          .padStart(6, '0')
          .replace(/(\d\d)(\d\d)(\d\d)/, '$1 $2 $3')}`
      : '',
    city,
    country,
    i % 4 === 0 ? 'Supplier; Partner' : 'Supplier',
    i % 5 === 0 ? `Met at the fair, stand ${i}.\nCall back in spring.` : '',
    i % 2 ? 'Retail' : 'Énergie',
  ];
}

function csvOf(rows: number): Buffer {
  const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
  const lines = [HEADERS.join(',')];
  for (let i = 0; i < rows; i++) lines.push(row(i).map(quote).join(','));
  return Buffer.from(`\ufeff${lines.join('\r\n')}\r\n`);
}

async function xlsxOf(rows: number): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Contacts');
  sheet.addRow(HEADERS);
  for (let i = 0; i < rows; i++) sheet.addRow(row(i));
  return Buffer.from(await book.xlsx.writeBuffer());
}

function tabBody(name: string): Record<string, unknown> {
  return {
    channelId: '19:bench-io@thread.tacv2',
    channelName: 'Bench',
    displayName: name,
    categories: [
      { name: 'Supplier', color: '#00ff00' },
      { name: 'Partner', color: '#0000ff' },
    ],
    customFields: [
      {
        key: 'segment',
        label: 'Segment',
        type: 'choice',
        choices: [{ value: 'Retail' }, { value: 'Énergie' }],
      },
    ],
    fields: [
      'displayName',
      'givenName',
      'surname',
      'companyName',
      'jobTitle',
      'emailAddresses',
      'phones',
      'addresses',
      'categories',
      'notes',
      'segment',
    ].map((key) => ({ key, visible: true })),
  };
}

/** Resident memory of a process, in bytes (Linux). */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib ?? 0) * 1024;
}

/** Runs `step` while sampling the process's memory; returns the step's result, seconds and peak growth. */
async function measured<T>(
  pid: number,
  step: () => Promise<T>,
): Promise<{ result: T; seconds: number; peakGrowthMiB: number }> {
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = rssOf(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 25);
  const started = process.hrtime.bigint();
  try {
    const result = await step();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    peak = Math.max(peak, rssOf(pid));
    return { result, seconds, peakGrowthMiB: Math.round(((peak - before) / 1024 / 1024) * 10) / 10 };
  } finally {
    clearInterval(sampler);
  }
}

async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function importFile(
  url: string,
  token: string,
  tabId: string,
  file: Buffer,
  name: string,
): Promise<any> {
  const form = new FormData();
  form.append('file', new Blob([file]), name);
  const response = await fetch(`${url}/api/v1/tabs/${tabId}/contacts/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  if (response.status !== 202) throw new Error(`import: ${response.status} ${await response.text()}`);
  const location = response.headers.get('location') as string;
  for (;;) {
    const job = await api(url, token, 'GET', location);
    if (job.status === 'succeeded' || job.status === 'failed') return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Streams an export to the end, counting bytes and lines, keeping nothing. */
function exportFile(url: string, token: string, tabId: string, format: string): Promise<{ bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${url}/api/v1/tabs/${tabId}/contacts/export?format=${format}`,
      { headers: { authorization: `Bearer ${token}` } },
      (response) => {
        if (response.statusCode !== 200) reject(new Error(`export ${format}: ${response.statusCode}`));
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () => resolve({ bytes }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

async function main(): Promise<void> {
  const rows = Number(flags.rows ?? 50_000);
  const started = Date.now();
  const localIdp = await import('../src/auth/local-identity-provider');
  const workDir = mkdtempSync(join(tmpdir(), 'contact-pro-bench-io-'));
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    NODE_ENV: 'development',
    LOCAL_IDP_DIR: join(workDir, 'idp'),
    MONGODB_DB_NAME: `bench_io_${Date.now()}`,
    RATE_LIMIT_PER_USER: '10000000',
    RATE_LIMIT_PER_TENANT: '100000000',
    REQUEST_TIMEOUT_MS: '600000',
    JOB_POLL_INTERVAL_MS: '200',
    IMPORT_MAX_ROWS: String(Math.max(rows, 100_000)),
  };
  let stopDb: (() => Promise<void>) | undefined;
  let database = 'MONGODB_URI';
  if (process.env.MONGODB_URI) env.MONGODB_URI = process.env.MONGODB_URI;
  else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startEmbeddedDb } = require('../tools/embedded-db');
    const db = await startEmbeddedDb({ dataDir: join(workDir, 'db') });
    env.MONGODB_URI = db.uri;
    stopDb = () => db.stop();
    database = `embedded ${String(db.description)}`;
  }
  let child: ChildProcess | undefined;
  try {
    process.stdout.write(`generating ${rows} rows as xlsx and CSV...\n`);
    const csv = csvOf(rows);
    const xlsx = await xlsxOf(rows);
    process.stdout.write(
      `  csv ${(csv.length / 1048576).toFixed(1)} MiB, xlsx ${(xlsx.length / 1048576).toFixed(1)} MiB\n`,
    );
    const launched = await startChild(__filename, '--serve-api', env);
    const service = { url: launched.words[0], idp: launched.words[1] };
    child = launched.child;
    const pid = child.pid as number;
    const keys = await localIdp.loadKeyMaterial(env.LOCAL_IDP_DIR);
    const token = localIdp.mintToken(keys, {
      issuer: localIdp.issuerFor(service.idp, TENANT),
      audience: localIdp.LOCAL_CLIENT_ID,
      tenantId: TENANT,
      userId: USER,
      name: 'Bench User',
    });
    // Warm-up, unmeasured: the first use of each code path (module loading, compilation, the heap's first
    // growth) is a one-time cost of the process, not of a direction.
    process.stdout.write('warming up...\n');
    const warmup = await api(service.url, token, 'POST', '/api/v1/tabs', tabBody('Warm-up'));
    await importFile(service.url, token, warmup.id, await xlsxOf(WARMUP_ROWS), 'warmup.xlsx');
    await importFile(service.url, token, warmup.id, csvOf(WARMUP_ROWS), 'warmup.csv');
    for (const format of ['xlsx', 'csv']) await exportFile(service.url, token, warmup.id, format);
    const results: Array<Record<string, unknown>> = [];
    const tabs: Record<string, string> = {};
    for (const [format, file] of [
      ['xlsx', xlsx],
      ['csv', csv],
    ] as const) {
      const tab = await api(service.url, token, 'POST', '/api/v1/tabs', tabBody(`Bench ${format}`));
      tabs[format] = tab.id;
      process.stdout.write(`importing ${format}...\n`);
      const {
        result: job,
        seconds,
        peakGrowthMiB,
      } = await measured(pid, () => importFile(service.url, token, tab.id, file, `contacts.${format}`));
      if (job.status !== 'succeeded' || job.progress.created !== rows) {
        throw new Error(
          `import ${format}: ${JSON.stringify({ status: job.status, progress: job.progress, errors: job.errors.slice(0, 3) })}`,
        );
      }
      results.push({
        step: `import ${format}`,
        rows,
        seconds: round(seconds),
        rowsPerSecond: Math.round(rows / seconds),
        peakGrowthMiB,
      });
    }
    for (const format of ['xlsx', 'csv']) {
      process.stdout.write(`exporting ${format}...\n`);
      const { result, seconds, peakGrowthMiB } = await measured(pid, () =>
        exportFile(service.url, token, tabs.csv, format),
      );
      results.push({
        step: `export ${format}`,
        rows,
        seconds: round(seconds),
        rowsPerSecond: Math.round(rows / seconds),
        peakGrowthMiB,
        bytes: result.bytes,
      });
    }
    process.stdout.write('measuring the raw driver on the same database...\n');
    const ceiling = await driverCeiling(env.MONGODB_URI, env.MONGODB_DB_NAME, Math.min(rows, 10_000));
    const report = {
      benchmark: 'contact import and export',
      driverCeiling: ceiling,
      database,
      rows,
      results,
      goals: GOALS,
      goalsMet: Object.fromEntries(
        results.map((r) => [
          r.step,
          (r.rowsPerSecond as number) >=
            (String(r.step).startsWith('import') ? GOALS.importRowsPerSecond : GOALS.exportRowsPerSecond) &&
            (r.peakGrowthMiB as number) < GOALS.peakMemoryGrowthMiB,
        ]),
      ),
      totalSeconds: Math.round((Date.now() - started) / 1000),
      node: process.version,
      date: new Date().toISOString(),
    };
    const directory = join(__dirname, 'results');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'io.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `\n${database}; ${rows} rows\n\n| step | seconds | rows/s | peak RSS growth MiB |\n|---|---|---|---|\n`,
    );
    for (const r of results)
      process.stdout.write(
        `| ${String(r.step)} | ${String(r.seconds)} | ${String(r.rowsPerSecond)} | ${String(r.peakGrowthMiB)} |\n`,
      );
    process.stdout.write(
      `\nraw driver on this database (${ceiling.rows} contacts): insertMany ${ceiling.insertRowsPerSecond} rows/s, cursor read ${ceiling.readRowsPerSecond} rows/s\n`,
    );
    process.stdout.write(
      `\ngoals: import ≥ ${GOALS.importRowsPerSecond} rows/s, export ≥ ${GOALS.exportRowsPerSecond} rows/s, peak growth < ${GOALS.peakMemoryGrowthMiB} MiB\n` +
        `total ${report.totalSeconds} s; written to bench/results/io.json\n`,
    );
  } finally {
    if (child) await stopChild(child);
    await stopDb?.();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The database's own pace: the same contacts, stored as the service stores them, through the driver. */
async function driverCeiling(
  uri: string,
  dbName: string,
  rows: number,
): Promise<{ rows: number; insertRowsPerSecond: number; readRowsPerSecond: number }> {
  const { applyContactInput, EMPTY_CONTACT, storedContactFields } =
    await import('../src/contacts/core/contact-mapping');
  const { contactModel } = await import('../src/contacts/core/contact.entity-model');
  const { newContact } = await import('../src/contacts/core/contact-documents');
  const client = await new MongoClient(uri, { directConnection: true }).connect();
  try {
    const collection = client.db(dbName).collection<Document>('contacts');
    const tabId = 'driver-ceiling';
    const author = { id: USER, displayName: 'Bench User' };
    const documents: Document[] = [];
    for (let i = 0; i < rows; i++) {
      const [
        displayName,
        givenName,
        surname,
        companyName,
        jobTitle,
        email,
        business,
        mobile,
        city,
        country,
        ,
        notes,
      ] = row(i);
      const { fields } = applyContactInput(
        EMPTY_CONTACT,
        {
          displayName,
          givenName,
          surname,
          companyName,
          jobTitle,
          emailAddresses: [{ address: `ceiling.${email}` }],
          phones: [
            { number: business, type: 'business' },
            ...(mobile ? [{ number: mobile, type: 'mobile' as const }] : []),
          ],
          addresses: [{ type: 'business', city, countryOrRegion: country }],
          ...(notes ? { notes } : {}),
        },
        { customFields: [], categories: [] },
        'create',
      );
      const now = new Date();
      documents.push({
        ...newContact(`ceiling-${i}`, tabId, storedContactFields(fields, contactModel), author, now, i + 1),
        tenantId: TENANT,
      });
    }
    let started = process.hrtime.bigint();
    for (let start = 0; start < documents.length; start += 1000) {
      await collection.insertMany(documents.slice(start, start + 1000), { ordered: false });
    }
    const insertSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    started = process.hrtime.bigint();
    let read = 0;
    for await (const document of collection.find({ tenantId: TENANT, tabId }, { batchSize: 2000 }))
      if (document) read++;
    const readSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      rows,
      insertRowsPerSecond: Math.round(rows / insertSeconds),
      readRowsPerSecond: Math.round(read / readSeconds),
    };
  } finally {
    await client.close();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

const entry = flags['serve-api'] ? serveApi : main;
entry().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
