'use strict';
/**
 * `npm start`: compiles when needed, then runs the API. Without MONGODB_URI it first starts the embedded
 * database (built with Go on first use) with its data under .data/db, restarts it on the same port if it
 * dies while the API runs, and stops it when the API stops. Without AZURE_STORAGE_CONNECTION_STRING it
 * starts the blob emulator (Azurite) for contact photos the same way, with its data under .data/blob.
 */
const path = require('node:path');
const { buildIfNeeded } = require('./build-if-needed');

const ROOT = path.resolve(__dirname, '..');

function log(line) {
  process.stderr.write(`${line}\n`);
}

/**
 * Keeps a launched child (the embedded database, the blob emulator) running while the API runs: the API keeps
 * its address, so one that dies is started again on the same port. On a signal the API drains its in-flight
 * requests first, so the child must outlive it: it stops when this process exits (and its stdin pipe
 * closes); the signal only keeps the watcher from starting it again.
 * @param {string} name
 * @param {{ port: number, exited: Promise<unknown>, child: import('node:child_process').ChildProcess }} first
 * @param {(listen: string) => Promise<typeof first>} startAgain
 */
function supervise(name, first, startAgain) {
  let current = first;
  let stopping = false;
  const markStopping = () => {
    stopping = true;
  };
  process.once('SIGINT', markStopping);
  process.once('SIGTERM', markStopping);
  process.once('exit', () => current.child.kill('SIGTERM'));
  const watch = async () => {
    const code = await current.exited;
    if (stopping) return;
    log(`${name} exited (${code}); restarting it on port ${current.port}`);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (stopping) return;
      try {
        current = await startAgain(`127.0.0.1:${current.port}`);
        log(`${name} restarted`);
        return watch();
      } catch (error) {
        log(`${name} restart failed: ${error.message}`);
      }
    }
  };
  void watch();
}

async function startSupervisedDatabase() {
  const { startEmbeddedDb } = require('../tools/embedded-db');
  const dataDir = path.resolve(ROOT, process.env.EMBEDDED_DB_DATA_DIR || path.join('.data', 'db'));
  const started = Date.now();
  const db = await startEmbeddedDb({ dataDir, listen: process.env.EMBEDDED_DB_LISTEN || '127.0.0.1:0', log });
  log(
    `embedded database ready at ${db.uri} (data in ${path.relative(ROOT, dataDir)}, ${Date.now() - started} ms)`,
  );
  supervise('embedded database', db, (listen) => startEmbeddedDb({ dataDir, listen, log }));
  return db.uri;
}

/** Azurite on loopback for contact photos, kept alive and stopped like the embedded database. */
async function startSupervisedBlobEmulator() {
  const { startBlobEmulator } = require('../tools/blob-emulator');
  const dataDir = path.resolve(ROOT, process.env.BLOB_EMULATOR_DATA_DIR || path.join('.data', 'blob'));
  const emulator = await startBlobEmulator({ dataDir });
  log(`blob emulator (Azurite) ready at ${emulator.url} (data in ${path.relative(ROOT, dataDir)})`);
  supervise('blob emulator', emulator, (listen) => startBlobEmulator({ dataDir, listen }));
  return emulator.connectionString;
}

async function main() {
  buildIfNeeded();
  if (!process.env.MONGODB_URI) {
    const { EmbeddedDbError } = require('../tools/embedded-db');
    try {
      process.env.MONGODB_URI = await startSupervisedDatabase();
    } catch (error) {
      if (error instanceof EmbeddedDbError) {
        log(`\n${error.message}\n`);
        process.exit(1);
      }
      throw error;
    }
  }
  if (!process.env.AZURE_STORAGE_CONNECTION_STRING) {
    process.env.AZURE_STORAGE_CONNECTION_STRING = await startSupervisedBlobEmulator();
  }
  require(path.join(ROOT, 'dist', 'main.js'));
}

main().catch((error) => {
  log(`${error.stack || error}`);
  process.exit(1);
});
