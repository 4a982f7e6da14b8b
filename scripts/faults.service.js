'use strict';
/* global fetch, AbortSignal -- Node 20's own */
/**
 * The service under test of `npm run test:faults` and `npm run test:fuzz`: the compiled API as a child
 * process on loopback, over an embedded database of its own (which can be stopped and restarted on the
 * same port) and a blob emulator (Azurite) of its own for contact photos, with the local identity
 * provider, and a way to mint tokens for it.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('../tools/child-process');
const { buildIfNeeded } = require('./build-if-needed');

const ROOT = path.resolve(__dirname, '..');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForReady(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the service was not ready within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Resident set size of a process, in KiB (Linux). */
function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : NaN;
}

/**
 * `node dist/main.js` as a child of this process, with `env` over this process's environment, ready once
 * /health/ready answers 200 (rejects, with the end of its output, when it exits or times out first). Killed
 * should this process exit without stopping it. `output()` is what it has written (its log lines); `stop()`
 * is SIGTERM, SIGKILL after 20 s, and resolves with its exit code (or the signal's name).
 * @param {{ name: string, env: Record<string, string>, nodeArgs?: string[] }} options
 */
async function startApiProcess({ name, env, nodeArgs = [] }) {
  const url = `http://127.0.0.1:${env.PORT}`;
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const running = () => child.exitCode === null && child.signalCode === null;
  try {
    await Promise.race([
      waitForReady(url, 120_000),
      exited.then((code) => {
        throw new Error(`${name} exited during start (${code}): ${output.join('').slice(-2000)}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    child,
    exited,
    running,
    output: () => output.join(''),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * @param {{ label: string, env?: Record<string, string>, log?: (line: string) => void }} options
 */
async function startService({ label, env = {}, log = (line) => process.stderr.write(`${line}\n`) }) {
  buildIfNeeded();
  const { startEmbeddedDb } = require('../tools/embedded-db');
  const localIdp = require('../dist/auth/local-identity-provider');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `contact-pro-${label}-`));
  const dataDir = path.join(work, 'db');
  const idpDir = path.join(work, 'idp');
  let db = await startEmbeddedDb({ dataDir, log });
  const { startBlobEmulator } = require('../tools/blob-emulator');
  const blobs = await startBlobEmulator({ dataDir: path.join(work, 'blob') });
  const [port, idpPort] = [await freePort(), await freePort()];
  let api;
  try {
    api = await startApiProcess({
      name: 'the service',
      nodeArgs: ['--expose-gc', '-r', path.join(__dirname, 'faults.gc.js')],
      env: {
        NODE_ENV: 'development',
        LOG_LEVEL: 'warn',
        PORT: String(port),
        MONGODB_URI: db.uri,
        MONGODB_DB_NAME: label,
        AZURE_STORAGE_CONNECTION_STRING: blobs.connectionString,
        AUTH_MODE: 'local',
        LOCAL_IDP_DIR: idpDir,
        LOCAL_IDP_PORT: String(idpPort),
        FAULTS_HEAP_FILE: path.join(work, 'heap-used'),
        ...env,
      },
    });
  } catch (error) {
    await db.stop();
    await blobs.stop();
    throw error;
  }
  const keys = await localIdp.loadKeyMaterial(idpDir);

  return {
    url: api.url,
    pid: api.child.pid,
    exited: api.exited,
    /** The service's log lines so far (JSON, warn and above). */
    output: api.output,
    /** A valid access token for the service. */
    token: (claims) => testToken(keys, localIdp.providerUrl(idpPort), claims),
    /** Resident memory and live heap (KiB) after a full collection. */
    async memoryKiB() {
      api.child.kill('SIGUSR2');
      await sleep(1000);
      const heapUsed = Number(fs.readFileSync(path.join(work, 'heap-used'), 'utf8'));
      return { rss: rssKiB(api.child.pid), heap: Math.round(heapUsed / 1024) };
    },
    dbUri: () => db.uri,
    async stopDatabase() {
      await db.stop();
    },
    async startDatabase() {
      db = await startEmbeddedDb({ dataDir, listen: `127.0.0.1:${db.port}`, log });
    },
    /** SIGTERM, then the exit code; the database and the work folder go too. */
    async stop() {
      const code = await api.stop();
      await db.stop();
      await blobs.stop();
      fs.rmSync(work, { recursive: true, force: true });
      return code;
    },
  };
}

/**
 * An access token of the local identity provider at `providerUrl`, valid for 6 hours: long enough for any
 * test run. Needs the compiled service (dist/).
 */
function testToken(keys, providerUrl, { tenantId, userId, name, admin = false }) {
  const localIdp = require('../dist/auth/local-identity-provider');
  return localIdp.mintToken(keys, {
    issuer: localIdp.issuerFor(providerUrl, tenantId),
    audience: localIdp.LOCAL_CLIENT_ID,
    tenantId,
    userId,
    name,
    admin,
    expiresIn: 6 * 3600,
  });
}

module.exports = { startApiProcess, startService, sleep, testToken };
