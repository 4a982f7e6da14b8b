import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Starts the service from its sources with only `env` (and PATH) and waits for it to exit: for the checks
 * that a bad configuration stops it at once.
 */
export function runServiceWith(env: Record<string, string>): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, ...env },
  });
}
