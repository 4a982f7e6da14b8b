import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

describe('configuration at start', () => {
  it('stops with exit code 1 and one message listing every bad variable', () => {
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'src/main.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        MONGODB_URI: 'mongodb://127.0.0.1:9',
        PORT: 'eighty',
        LOG_LEVEL: 'chatty',
      },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    expect(result.stderr).toContain('PORT="eighty": expected a whole number from 0 to 65535');
    expect(result.stderr).toContain('LOG_LEVEL="chatty": expected one of');
    expect(result.stdout).toBe('');
  }, 90_000);
});
