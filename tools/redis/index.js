'use strict';
/**
 * Redis for the scale-out test and the benchmark: finds Debian's `redis-server` (installing it with
 * apt-get when missing), starts it on 127.0.0.1 on a free port with no persistence, and stops it by PID.
 *
 *   node tools/redis --install     installs redis-server when missing (CI runs this)
 *   const { startRedis } = require('./tools/redis'); const redis = await startRedis(); … await redis.stop();
 *
 * The server runs in the foreground as a child of this process, with a pipe as its stdin that nothing
 * reads: it gets SIGTERM from stop(), and is killed with SIGKILL when this process exits without stopping it.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const { freePort } = require('../child-process');

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server'];

function defaultLog(line) {
  process.stderr.write(`${line}\n`);
}

function findRedisServer() {
  const fromEnv = process.env.REDIS_SERVER_BIN;
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  const onPath = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim() !== '') return onPath.stdout.trim();
  return CANDIDATES.find((candidate) => fs.existsSync(candidate));
}

function run(command, args, env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
}

/** The path of redis-server, installed from Debian's packages when it is not there. */
function ensureRedisServer(log = defaultLog) {
  const found = findRedisServer();
  if (found) return found;
  log('redis-server not found: installing it with apt-get');
  const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  // The package's scripts would start a system-wide server: RUNLEVEL=1 keeps invoke-rc.d from doing so.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  const [command, ...prefix] = [...sudo, 'apt-get'];
  run(command, [...prefix, 'update'], env);
  run(command, [...prefix, 'install', '-y', '--no-install-recommends', 'redis-server'], env);
  const installed = findRedisServer();
  if (!installed)
    throw new Error('redis-server is still not found after installing the redis-server package');
  return installed;
}

/**
 * Starts a private Redis on loopback: no RDB snapshots, no AOF, no config file. Resolves once it accepts
 * connections, with its URL, its PID, and stop() (SIGTERM by PID, then the exit).
 */
async function startRedis({ log = defaultLog, port } = {}) {
  const bin = ensureRedisServer(log);
  const listenPort = port ?? (await freePort());
  const child = spawn(
    bin,
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(listenPort),
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const output = [];
  child.stdout.on('data', (chunk) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk) => output.push(chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const ready = await Promise.race([waitForPort(listenPort, 10_000), exited.then(() => false)]);
  if (!ready) {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    throw new Error(`redis-server did not start on 127.0.0.1:${listenPort}: ${output.join('').slice(-2000)}`);
  }
  let stopped;
  return {
    url: `redis://127.0.0.1:${listenPort}`,
    port: listenPort,
    pid: child.pid,
    stop() {
      stopped ??= (async () => {
        process.off('exit', killOnExit);
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return stopped;
    },
  };
}

/** True once something accepts TCP connections on the port (false past the timeout). */
async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

module.exports = { ensureRedisServer, findRedisServer, startRedis };

if (require.main === module) {
  if (process.argv[2] === '--install') {
    process.stdout.write(`redis-server: ${ensureRedisServer()}\n`);
  } else {
    process.stderr.write(`usage: node tools/redis --install\n`);
    process.exit(2);
  }
}
