import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const db = (globalThis as Record<string, unknown>).__embeddedDb as { stop(): Promise<void> } | undefined;
  if (!db) return;
  await db.stop();
  const dataDir = process.env.CONTACT_PRO_TEST_DATA_DIR;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
