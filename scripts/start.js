'use strict';
/**
 * `npm start`: compiles when needed, then runs the API. Without MONGODB_URI it first starts the embedded
 * database (built with Go on first use) with its data under .data/db, and stops it when the API stops.
 */
const path = require('node:path');
const { buildIfNeeded } = require('./build-if-needed');

const ROOT = path.resolve(__dirname, '..');

async function main() {
  buildIfNeeded();
  if (!process.env.MONGODB_URI) {
    const { startEmbeddedDb, EmbeddedDbError } = require('../tools/embedded-db');
    const dataDir = path.resolve(ROOT, process.env.EMBEDDED_DB_DATA_DIR || path.join('.data', 'db'));
    try {
      const started = Date.now();
      const db = await startEmbeddedDb({ dataDir, listen: process.env.EMBEDDED_DB_LISTEN || '127.0.0.1:0' });
      process.stderr.write(
        `embedded database ready at ${db.uri} (data in ${path.relative(ROOT, dataDir)}, ${Date.now() - started} ms)\n`,
      );
      process.env.MONGODB_URI = db.uri;
      // The API handles SIGINT/SIGTERM itself (Nest shutdown hooks); the database exits with this process
      // because its stdin pipe closes, and on a signal it receives the same signal from the terminal.
      process.once('exit', () => db.child.kill('SIGTERM'));
    } catch (error) {
      if (error instanceof EmbeddedDbError) {
        process.stderr.write(`\n${error.message}\n\n`);
        process.exit(1);
      }
      throw error;
    }
  }
  require(path.join(ROOT, 'dist', 'main.js'));
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
