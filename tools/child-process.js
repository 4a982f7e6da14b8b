'use strict';
/** What the launchers of tools/ share: a free loopback port, waiting for a child to say it is ready, stopping it. */
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

module.exports = { freePort, stopChild, waitForLine };
