import { rmSync } from 'node:fs';

type Stoppable = { stop(): Promise<void> } | undefined;

export default async function globalTeardown(): Promise<void> {
  const globals = globalThis as Record<string, unknown>;
  const emulator = globals.__blobEmulator as Stoppable;
  if (emulator) {
    await emulator.stop();
    const blobDir = process.env.CONTACT_PRO_TEST_BLOB_DIR;
    if (blobDir) rmSync(blobDir, { recursive: true, force: true });
  }
  const db = globals.__embeddedDb as Stoppable;
  if (!db) return;
  await db.stop();
  const dataDir = process.env.CONTACT_PRO_TEST_DATA_DIR;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
