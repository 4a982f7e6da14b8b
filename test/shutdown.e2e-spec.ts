import { Controller, Get, Module } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import request from 'supertest';
import { Public } from '../src/auth';
import { shutDownGracefully } from '../src/health/graceful-shutdown';
import { startTestApp, TestApp } from './support/app';
import { testDatabaseName, testMongoUri } from './support/database';

/** A request that is in flight for as long as the test says. */
@Public()
@Controller('probe')
class SlowController {
  static release: () => void = () => undefined;

  @Get('slow')
  async slow(): Promise<{ finished: true }> {
    await new Promise<void>((resolve) => (SlowController.release = resolve));
    return { finished: true };
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown', () => {
  it('turns readiness 503 at once, lets in-flight requests finish, then closes', async () => {
    const api: TestApp = await startTestApp('shutdown', {}, [SlowModule]);
    expect((await request(api.url).get('/health/ready')).status).toBe(200);

    const inFlight = request(api.url).get('/probe/slow');
    const slow = inFlight.then((res) => res);
    await sleep(200);
    const shutdown = shutDownGracefully(api.app, 5000);
    await sleep(50);

    const ready = await request(api.url).get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'error', error: { shutdown: { status: 'down' } } });
    // Liveness stays up while draining: the process is not to be killed for it.
    expect((await request(api.url).get('/health/live')).status).toBe(200);

    await sleep(300);
    SlowController.release();
    const res = await slow;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ finished: true });
    await shutdown;
    await expect(request(api.url).get('/health/live').timeout(1000)).rejects.toThrow();
  });

  it('cuts requests still running when the grace period ends', async () => {
    const api: TestApp = await startTestApp('shutdowncut', {}, [SlowModule]);
    const slow = request(api.url)
      .get('/probe/slow')
      .then(
        (res) => res.status,
        (error: Error) => error.message,
      );
    await sleep(200);
    const started = Date.now();
    await shutDownGracefully(api.app, 500);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await slow).toMatch(/socket hang up|ECONNRESET/);
    SlowController.release();
  });

  it('exits 0 on SIGTERM once requests are drained and Nest has closed', async () => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join('src', 'main.ts')], {
      cwd: join(__dirname, '..'),
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        PORT: '0',
        MONGODB_URI: testMongoUri(),
        MONGODB_DB_NAME: testDatabaseName('shutdownproc'),
        SHUTDOWN_GRACE_MS: '3000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start: ${lines.join('\n')}`)), 60_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        const match = /listening on (http:\/\/\S+?) /.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1].replace('localhost', '127.0.0.1'));
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${lines.join('\n')}`)));
    });
    expect((await request(url).get('/health/ready')).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    const text = lines.join('\n');
    expect(text).toContain('SIGTERM received');
    expect(text).toContain('requests drained');
    expect(text).toContain('shut down');
  }, 90_000);
});
