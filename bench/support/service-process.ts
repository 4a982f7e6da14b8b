import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';

/**
 * Child-process side: runs the real service on a loopback port and announces
 * `ready <url> <identity provider url>` on stdout; it stops when its stdin closes.
 */
export async function serveApi(): Promise<void> {
  const { createApp } = await import('../../src/app.factory');
  const { loadConfig } = await import('../../src/config/load-config');
  const { IdentityProvider } = await import('../../src/auth');
  const config = loadConfig({ ...process.env, PORT: '0', LOCAL_IDP_PORT: '0' });
  const app = await createApp(config, { logger: pino({ level: 'silent' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`ready http://127.0.0.1:${port} ${app.get(IdentityProvider).issuerBaseUrl}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void app.close().then(() => process.exit(0)));
}

/**
 * Parent side: runs `script` with `flag` in a child process and resolves with the words after `ready`
 * once the child announces it. With BENCH_CPU_PROF_DIR set, the service's child writes a V8 CPU profile
 * there when it stops (summarize it with `node bench/support/profile-summary.js FILE`).
 */
export function startChild(
  script: string,
  flag: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; words: string[] }> {
  const profileDir = flag === '--serve-api' ? process.env.BENCH_CPU_PROF_DIR : undefined;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, '-r', '@swc-node/register', script, flag], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const words = line.split(' ');
      if (words[0] === 'ready') resolve({ child, words: words.slice(1) });
    });
    child.once('exit', (code) => reject(new Error(`${flag} exited (${code}) before it was ready`)));
  });
}

/** Closes the child's stdin (its signal to stop) and waits for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end();
  await exited;
}
