import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts one embedded database for the whole end-to-end run (each test file then uses its own database
 * in it). With MONGODB_URI set, the tests run against that server instead.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.MONGODB_URI) return;
  // Plain require: the launcher is a CommonJS script shared with `npm start`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startEmbeddedDb } = require('../tools/embedded-db');
  const dataDir = mkdtempSync(join(tmpdir(), 'contact-pro-e2e-'));
  const db = await startEmbeddedDb({ dataDir });
  process.env.MONGODB_URI = db.uri;
  process.env.CONTACT_PRO_TEST_DATA_DIR = dataDir;
  (globalThis as Record<string, unknown>).__embeddedDb = db;
}
