import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts one embedded database and one blob emulator (Azurite) for the whole end-to-end run (each test
 * file then uses its own database and its own blob container in them). With MONGODB_URI or
 * AZURE_STORAGE_CONNECTION_STRING set, the tests run against that server or storage account instead.
 */
export default async function globalSetup(): Promise<void> {
  await startBlobEmulator();
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

async function startBlobEmulator(): Promise<void> {
  if (process.env.AZURE_STORAGE_CONNECTION_STRING) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startBlobEmulator: start } = require('../tools/blob-emulator');
  const dataDir = mkdtempSync(join(tmpdir(), 'contact-pro-e2e-blob-'));
  const emulator = await start({ dataDir });
  process.env.AZURE_STORAGE_CONNECTION_STRING = emulator.connectionString;
  process.env.CONTACT_PRO_TEST_BLOB_DIR = dataDir;
  (globalThis as Record<string, unknown>).__blobEmulator = emulator;
}
