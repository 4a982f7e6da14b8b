/**
 * Contact photos: upload cost, read throughput against the storage itself, and memory over many uploads.
 *
 * 1. Upload (`PUT …/photo/$value`) of a phone JPEG of about 3 MiB (12 MP-like, with EXIF GPS and
 *    orientation): p50 end to end over `--uploads` uploads (default 20, after a warm-up), and the p50 of the
 *    same processing (`processPhoto`, sharp) run alone: how much of an upload is sharp.
 * 2. `GET …/photos/96x96/$value` at 8 connections for `--duration` seconds (default 10), in requests per
 *    second, against 8 concurrent readers of the same blob with the Azure SDK directly (goal: ratio ≥ 0.7).
 * 3. The API process's resident memory over `--memory-uploads` uploads (default 1 000) of a smaller photo,
 *    sampled every 100 (goal: flat, growth under 64 MiB from the first sample to the last).
 *
 * Run: npm run bench:photos -- [--uploads 20] [--duration 10] [--memory-uploads 1000]
 * Uses MONGODB_URI and AZURE_STORAGE_CONNECTION_STRING when set, else starts the embedded database and
 * Azurite. The API runs in a child process of its own, so that its memory is measured alone. Prints the
 * figures and writes them to bench/results/photos.json.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { processPhoto } from '../src/contacts/photo/photo-processing';
import { phoneJpeg } from '../test/support/photo-fixtures';
import { serveApi, startChild, stopChild } from './support/service-process';
import { autocannon } from './support/autocannon';

const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = 'aaaaaaaa-0000-4000-8000-000000000001';
const CONTAINER = 'bench-photos';
const CONNECTIONS = 8;
const GOALS = { readRatio: 0.7, memoryGrowthMiB: 64 };

const { values: flags } = parseArgs({
  options: {
    uploads: { type: 'string' },
    duration: { type: 'string' },
    'memory-uploads': { type: 'string' },
    'serve-api': { type: 'boolean' },
  },
  allowPositionals: false,
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : NaN;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** What the bench reads of the API's answers: ids, and a contact's photo. */
interface Entity {
  id: string;
  photo: Record<string, string>;
}

async function call(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Entity> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Entity;
}

async function upload(url: string, token: string, path: string, photo: Buffer): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
    body: photo,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`upload: ${res.status}`);
  return performance.now() - started;
}

/** A JPEG of about `bytes`, noisy like a photo; its side grows until it is that large. */
async function jpegOf(bytes: number): Promise<Buffer> {
  let side = 300;
  for (;;) {
    const photo = await phoneJpeg(Math.round(side * 1.33), side, 92);
    if (photo.length >= bytes) return photo;
    side = Math.round(side * Math.sqrt(bytes / photo.length) * 1.02);
  }
}

/** 8 concurrent readers of one blob through the SDK for `seconds`: reads per second. */
async function sdkReads(connectionString: string, name: string, seconds: number): Promise<number> {
  const blob = BlobServiceClient.fromConnectionString(connectionString)
    .getContainerClient(CONTAINER)
    .getBlobClient(name);
  const deadline = performance.now() + seconds * 1000;
  let reads = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        await blob.downloadToBuffer();
        reads++;
      }
    }),
  );
  return reads / seconds;
}

async function environment(workDir: string) {
  const env: Record<string, string> = {
    LOG_LEVEL: 'silent',
    NODE_ENV: 'development',
    LOCAL_IDP_DIR: join(workDir, 'idp'),
    MONGODB_DB_NAME: `bench_photos_${Date.now()}`,
    AZURE_STORAGE_CONTAINER: CONTAINER,
    RATE_LIMIT_PER_USER: '10000000',
    RATE_LIMIT_PER_TENANT: '100000000',
    PHOTO_SWEEP_INTERVAL_SECONDS: '0',
  };
  const stops: Array<() => Promise<void>> = [];
  if (process.env.MONGODB_URI) env.MONGODB_URI = process.env.MONGODB_URI;
  else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startEmbeddedDb } = require('../tools/embedded-db');
    const db = await startEmbeddedDb({ dataDir: join(workDir, 'db') });
    env.MONGODB_URI = db.uri;
    stops.push(() => db.stop());
  }
  if (process.env.AZURE_STORAGE_CONNECTION_STRING) {
    env.AZURE_STORAGE_CONNECTION_STRING = process.env.AZURE_STORAGE_CONNECTION_STRING;
  } else {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startBlobEmulator } = require('../tools/blob-emulator');
    const emulator = await startBlobEmulator({ dataDir: join(workDir, 'blob') });
    env.AZURE_STORAGE_CONNECTION_STRING = emulator.connectionString;
    stops.push(() => emulator.stop());
  }
  return { env, stop: () => Promise.all(stops.map((stop) => stop())) };
}

async function main(): Promise<void> {
  const uploads = Number(flags.uploads ?? 20);
  const duration = Number(flags.duration ?? 10);
  const memoryUploads = Number(flags['memory-uploads'] ?? 1000);
  const localIdp = await import('../src/auth/local-identity-provider');
  const workDir = mkdtempSync(join(tmpdir(), 'contact-pro-bench-photos-'));
  const { env, stop } = await environment(workDir);
  let child: ChildProcess | undefined;
  try {
    const big = await jpegOf(3 * 1024 * 1024);
    const small = await jpegOf(300 * 1024);
    process.stdout.write(
      `photos: ${(big.length / 1048576).toFixed(2)} MiB and ${(small.length / 1024).toFixed(0)} KiB JPEGs\n`,
    );
    const launched = await startChild(__filename, '--serve-api', env);
    child = launched.child;
    const [url, idp] = launched.words;
    const keys = await localIdp.loadKeyMaterial(env.LOCAL_IDP_DIR);
    const token = localIdp.mintToken(keys, {
      issuer: localIdp.issuerFor(idp, TENANT),
      audience: localIdp.LOCAL_CLIENT_ID,
      tenantId: TENANT,
      userId: USER,
      name: 'Bench User',
    });
    const tab = await call(url, token, 'POST', '/api/v1/tabs', {
      channelId: '19:bench@thread.tacv2',
      channelName: 'Bench',
      displayName: 'Photos',
    });
    const contact = await call(url, token, 'POST', `/api/v1/tabs/${tab.id}/contacts`, {
      displayName: 'Bench',
    });
    const photoPath = `/api/v1/tabs/${tab.id}/contacts/${contact.id}/photo/$value`;

    process.stdout.write('uploading...\n');
    for (let i = 0; i < 3; i++) await upload(url, token, photoPath, big);
    const endToEnd: number[] = [];
    for (let i = 0; i < uploads; i++) endToEnd.push(await upload(url, token, photoPath, big));
    const sharpAlone: number[] = [];
    for (let i = 0; i < uploads; i++) sharpAlone.push((await processPhoto(big, 'image/jpeg')).processingMs);

    process.stdout.write('reading 96x96...\n');
    const stored = await call(url, token, 'GET', `/api/v1/tabs/${tab.id}/contacts/${contact.id}`);
    const version = JSON.parse(stored.photo['@odata.mediaEtag']) as string;
    const blobName = `${TENANT}/${tab.id}/${contact.id}/${version}/96x96`;
    const sized = `${url}/api/v1/tabs/${tab.id}/contacts/${contact.id}/photos/96x96/$value`;
    await autocannon({
      url: sized,
      headers: { authorization: `Bearer ${token}` },
      connections: CONNECTIONS,
      duration: 2,
    });
    const api = await autocannon({
      url: sized,
      headers: { authorization: `Bearer ${token}` },
      connections: CONNECTIONS,
      duration,
    });
    if (api.errors || api.non2xx)
      throw new Error(`reads failed: ${api.errors} errors, ${api.non2xx} non-2xx`);
    await sdkReads(env.AZURE_STORAGE_CONNECTION_STRING, blobName, 2);
    const sdk = await sdkReads(env.AZURE_STORAGE_CONNECTION_STRING, blobName, duration);

    process.stdout.write(`${memoryUploads} uploads for memory...\n`);
    const pid = child.pid as number;
    const samples: Array<{ uploads: number; rssMiB: number }> = [{ uploads: 0, rssMiB: rssMiB(pid) }];
    for (let i = 1; i <= memoryUploads; i++) {
      await upload(url, token, photoPath, small);
      if (i % 100 === 0) samples.push({ uploads: i, rssMiB: rssMiB(pid) });
    }
    const afterFirst = samples[1]?.rssMiB ?? samples[0].rssMiB;
    const growth = samples[samples.length - 1].rssMiB - afterFirst;

    const ratio = api.requests.average / sdk;
    const results = {
      date: new Date().toISOString(),
      upload: {
        photoBytes: big.length,
        uploads,
        p50Ms: round(median(endToEnd)),
        sharpP50Ms: round(median(sharpAlone)),
        sharpShare: round(median(sharpAlone) / median(endToEnd)),
      },
      read96: {
        connections: CONNECTIONS,
        seconds: duration,
        apiRequestsPerSecond: Math.round(api.requests.average),
        apiLatencyP50Ms: api.latency.p50,
        sdkReadsPerSecond: Math.round(sdk),
        ratio: round(ratio * 100) / 100,
        goal: GOALS.readRatio,
        met: ratio >= GOALS.readRatio,
      },
      memory: {
        uploads: memoryUploads,
        photoBytes: small.length,
        samples,
        growthMiB: growth,
        goalMiB: GOALS.memoryGrowthMiB,
        met: growth < GOALS.memoryGrowthMiB,
      },
    };
    process.stdout.write(
      [
        `upload of ${(big.length / 1048576).toFixed(2)} MiB JPEG: p50 ${results.upload.p50Ms} ms end to end, sharp ${results.upload.sharpP50Ms} ms (${Math.round(results.upload.sharpShare * 100)} %)`,
        `GET 96x96 at ${CONNECTIONS} connections: API ${results.read96.apiRequestsPerSecond} req/s, SDK ${results.read96.sdkReadsPerSecond} reads/s, ratio ${results.read96.ratio} (goal ≥ ${GOALS.readRatio})`,
        `memory over ${memoryUploads} uploads: ${samples.map((s) => s.rssMiB).join(' → ')} MiB, growth after the first 100: ${growth} MiB (goal < ${GOALS.memoryGrowthMiB})`,
      ].join('\n') + '\n',
    );
    const resultsDir = join(__dirname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'photos.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    if (child) await stopChild(child);
    await stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const entry = flags['serve-api'] ? serveApi : main;
entry().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
