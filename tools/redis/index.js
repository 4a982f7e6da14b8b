'use strict';
/**
 * Redis for the scale-out test and the benchmark: finds Debian's `redis-server` (installing it with
 * apt-get when missing), starts it on 127.0.0.1 on a free port with no persistence, and stops it.
 *
 *   node tools/redis --install     installs redis-server when missing (CI runs this)
 *   const { startRedis } = require('./tools/redis'); const redis = await startRedis(); … await redis.stop();
 *
 * The server runs in the foreground as a child of this process (tools/child-process.js launchChild): it gets
 * SIGTERM from stop(), and is killed with SIGKILL when this process exits without stopping it.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const { freePort, launchChild } = require('../child-process');

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
 * connections, with its URL, its PID, and stop() (SIGTERM, SIGKILL after 5 s, then the exit).
 */
async function startRedis({ log = defaultLog, port } = {}) {
  const bin = ensureRedisServer(log);
  const listenPort = port ?? (await freePort());
  const args = [
    ...['--bind', '127.0.0.1', '--port', String(listenPort)],
    ...['--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--daemonize', 'no'],
    ...['--loglevel', 'warning'],
  ];
  const { address: url, ...launched } = await launchChild(bin, args, async (child, exited) => {
    const output = [];
    const keep = (chunk) => output.push(chunk.toString());
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const ready = await Promise.race([waitForPort(listenPort, 10_000), exited.then(() => false)]);
    child.stdout.off('data', keep);
    child.stderr.off('data', keep);
    if (!ready) {
      throw new Error(
        `redis-server did not start on 127.0.0.1:${listenPort}: ${output.join('').slice(-2000)}`,
      );
    }
    return `redis://127.0.0.1:${listenPort}`;
  });
  return { url, port: listenPort, pid: launched.pid, stop: launched.stop };
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
