'use strict';
/**
 * Builds (on demand) and runs the embedded FerretDB of main.go.
 *
 * The binary is cached under .cache/embedded-db/<hash of go.mod, go.sum and main.go>, so an unchanged
 * program is never rebuilt. The database child is started with -watch-stdin and a pipe as its stdin:
 * when this process ends in any way (Ctrl-C, crash, SIGKILL) the pipe closes and the database exits,
 * so no orphan survives its parent.
 */
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const SOURCE_DIR = __dirname;
const REPO_ROOT = path.resolve(SOURCE_DIR, '..', '..');
const CACHE_ROOT = path.join(REPO_ROOT, '.cache', 'embedded-db');
const SOURCE_FILES = ['go.mod', 'go.sum', 'main.go'];

class EmbeddedDbError extends Error {}

const GO_MISSING_MESSAGE =
  'The embedded database needs Go 1.24 or newer to build, and no working `go` command was found on PATH. ' +
  'Either install Go 1.24+ (https://go.dev/doc/install, or `apt-get install golang` where it is recent enough) ' +
  'and run the command again, or point the service at a MongoDB-compatible server by setting MONGODB_URI ' +
  '(for example MONGODB_URI=mongodb://localhost:27017), in which case no embedded database is started.';

function sourceHash() {
  const hash = crypto.createHash('sha256');
  for (const file of SOURCE_FILES) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(SOURCE_DIR, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

function binaryPath() {
  return path.join(CACHE_ROOT, sourceHash(), 'embedded-db');
}

function goVersion() {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /^go(\d+)\.(\d+)/.exec(result.stdout.trim());
  return match ? { major: Number(match[1]), minor: Number(match[2]), text: result.stdout.trim() } : undefined;
}

/** Returns the path of the built database program, building it first when the sources changed. */
function ensureBuilt({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const target = binaryPath();
  if (fs.existsSync(target)) return target;

  const version = goVersion();
  if (!version || version.major < 1 || (version.major === 1 && version.minor < 24)) {
    throw new EmbeddedDbError(version ? `${GO_MISSING_MESSAGE} (found ${version.text})` : GO_MISSING_MESSAGE);
  }

  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  log(`embedded database: building with ${version.text} (first run only; this takes a few minutes)...`);
  const started = Date.now();
  const result = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], {
    cwd: SOURCE_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
  });
  if (result.status !== 0) {
    fs.rmSync(partial, { force: true });
    throw new EmbeddedDbError(`embedded database: go build failed (exit ${result.status ?? result.signal})`);
  }
  // rename is atomic: concurrent builders never see a half-written binary.
  fs.renameSync(partial, target);
  log(`embedded database: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return target;
}

function waitForLine(child, prefix, timeoutMs) {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(
      () => finish(new EmbeddedDbError(`embedded database did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onExit = (code, signal) =>
      finish(
        new EmbeddedDbError(`embedded database exited during start (${code ?? signal}): ${stderr.trim()}`),
      );
    function finish(error, value) {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.off('line', onLine);
      if (error) reject(error);
      else resolve(value);
    }
    function onLine(line) {
      if (line.startsWith(prefix)) finish(undefined, line.slice(prefix.length).trim());
    }
    lines.on('line', onLine);
    child.once('exit', onExit);
  });
}

async function ping(uri, timeoutMs) {
  const { MongoClient } = require('mongodb');
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, directConnection: true });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.close().catch(() => undefined);
    }
  }
  throw new EmbeddedDbError(`embedded database does not answer ping: ${lastError && lastError.message}`);
}

/**
 * Starts the embedded database and resolves once it answers `ping`.
 * @param {{ dataDir: string, listen?: string, logLevel?: string, log?: (line: string) => void }} options
 * @returns {Promise<{ uri: string, port: number, pid: number, stop: () => Promise<void>, exited: Promise<number|null> }>}
 */
async function startEmbeddedDb({ dataDir, listen = '127.0.0.1:0', logLevel = 'warn', log } = {}) {
  if (!dataDir) throw new EmbeddedDbError('startEmbeddedDb: dataDir is required');
  const binary = ensureBuilt({ log });
  // A process group of its own: a terminal's Ctrl-C reaches only the parent, which then stops the database
  // in order; the stdin pipe still ends it if the parent dies without doing so.
  const child = spawn(binary, ['-listen', listen, '-data', dataDir, '-log-level', logLevel, '-watch-stdin'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let uri;
  try {
    uri = await waitForLine(child, 'listening ', 30_000);
    await ping(uri, 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    throw error;
  }
  child.stderr.resume();
  child.stdout.resume();

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { uri, port: Number(new URL(uri).port), pid: child.pid, stop, exited, child };
}

module.exports = { ensureBuilt, startEmbeddedDb, binaryPath, EmbeddedDbError, GO_MISSING_MESSAGE };

// `node tools/embedded-db [--build] [--data DIR] [--listen HOST:PORT]`: build only, or run in the foreground.
if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : fallback;
  };
  (async () => {
    if (args.includes('--build')) {
      process.stdout.write(`${ensureBuilt()}\n`);
      return;
    }
    const db = await startEmbeddedDb({
      dataDir: path.resolve(option('--data', path.join(REPO_ROOT, '.data', 'db'))),
      listen: option('--listen', '127.0.0.1:27017'),
    });
    process.stdout.write(`${db.uri}\n`);
    const stop = () => void db.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.exitCode = (await db.exited) ?? 1;
  })().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
