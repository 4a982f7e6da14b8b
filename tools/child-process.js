'use strict';
/**
 * What the launchers of tools/ share: a free loopback port, starting a child and waiting for it to say it is
 * ready, stopping it, and running one in the foreground.
 */
const { spawn } = require('node:child_process');
const net = require('node:net');
const readline = require('node:readline');

/** A port free on 127.0.0.1 right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves with the rest of the first line of the child's stdout that starts with `prefix`; rejects with
 * `failure(message)` when the child exits first (with the end of its stderr) or after `timeoutMs`.
 * @param {import('node:child_process').ChildProcess} child
 * @param {string} prefix
 * @param {number} timeoutMs
 * @param {{ name: string, failure: (message: string) => Error }} what the child is called in messages
 */
function waitForLine(child, prefix, timeoutMs, { name, failure }) {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(
      () => finish(failure(`${name} did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onExit = (code, signal) =>
      finish(failure(`${name} exited during start (${code ?? signal}): ${stderr.trim()}`));
    function finish(error, value) {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.off('line', onLine);
      if (error) reject(error);
      else resolve(value);
    }
    function onLine(line) {
      if (line.startsWith(prefix)) finish(undefined, line.slice(prefix.length).trim());
    }
    lines.on('line', onLine);
    child.once('exit', onExit);
  });
}

/**
 * Stops a child started by a launcher: SIGTERM, SIGKILL after 5 s, and resolves once it has exited.
 * `killOnExit` is the launcher's listener that kills the child should this process end first.
 */
async function stopChild(child, exited, killOnExit) {
  process.off('exit', killOnExit);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts a launcher's child in a process group of its own (a terminal's Ctrl-C reaches only the parent, which
 * then stops the child in order; a child that watches its stdin pipe still ends when the parent dies without
 * doing so), SIGKILLed should this process exit first. Resolves once `ready(child, exited)` resolves, with
 * what it resolved with as `address`; when it rejects, the child is killed and the error passed on.
 * @param {string} file
 * @param {string[]} args
 * @param {(child: import('node:child_process').ChildProcess, exited: Promise<number|null>) => Promise<string>} ready
 * @returns {Promise<{ address: string, pid: number, stop: () => Promise<void>, exited: Promise<number|null>,
 *   child: import('node:child_process').ChildProcess }>} `exited`: the exit code (null after a signal)
 */
async function launchChild(file, args, ready) {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let address;
  try {
    address = await ready(child, exited);
  } catch (error) {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    throw error;
  }
  // Read and dropped from now on, so that a chatty child never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();
  return { address, pid: child.pid, stop: () => stopChild(child, exited, killOnExit), exited, child };
}

/**
 * The `ready` of launchChild for a child that prints `listening <address>` once it accepts connections
 * (the contract of tools/embedded-db and tools/blob-emulator).
 */
function listeningLine(name, failure) {
  return (child) => waitForLine(child, 'listening ', 30_000, { name, failure });
}

/** The value after `--name` in `args`, or `fallback`. */
function optionOf(args, name, fallback) {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
}

/** `node tools/…` in the foreground: stops the child in order on SIGINT or SIGTERM, exits as it exits. */
async function runUntilStopped(launched) {
  const stop = () => void launched.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.exitCode = (await launched.exited) ?? 1;
}

module.exports = { freePort, launchChild, listeningLine, optionOf, runUntilStopped, stopChild, waitForLine };
