'use strict';
/**
 * Runs the blob emulator for when AZURE_STORAGE_CONNECTION_STRING is unset, so that `npm start` and the
 * tests need no Azure Storage account: Azurite (npm package `azurite`, Microsoft's Azure Storage
 * emulator), its blob service only, on loopback, with its data in the given folder.
 *
 * The same contract as tools/embedded-db: the child prints `listening <url>` once it accepts connections,
 * keeps its data in the folder, exits cleanly on SIGTERM, and watches its stdin pipe so that it ends with
 * its parent however the parent ends.
 */
const path = require('node:path');
const { launchChild, listeningLine, optionOf, runUntilStopped } = require('../child-process');

class BlobEmulatorError extends Error {}

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function connectionStringFor(url) {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};BlobEndpoint=${url}/${DEV_ACCOUNT};`;
}

/**
 * Starts the emulator and resolves once it listens.
 * @param {{ dataDir: string, listen?: string }} options `listen` is `HOST:PORT` (port 0: a free one)
 * @returns {Promise<{ url: string, port: number, pid: number, connectionString: string,
 *   stop: () => Promise<void>, exited: Promise<number|null>, child: import('node:child_process').ChildProcess }>}
 */
async function startBlobEmulator({ dataDir, listen = '127.0.0.1:0' } = {}) {
  if (!dataDir) throw new BlobEmulatorError('startBlobEmulator: dataDir is required');
  const [host, port] = listen.split(':');
  const { address: url, ...launched } = await launchChild(
    process.execPath,
    [path.join(__dirname, 'server.js'), dataDir, host, port],
    listeningLine('blob emulator', (message) => new BlobEmulatorError(message)),
  );
  return {
    url,
    port: Number(new URL(url).port),
    connectionString: connectionStringFor(url),
    ...launched,
  };
}

module.exports = { startBlobEmulator, connectionStringFor, BlobEmulatorError };

// `node tools/blob-emulator [--data DIR] [--listen HOST:PORT]`: run it in the foreground.
if (require.main === module) {
  const args = process.argv.slice(2);
  (async () => {
    const dataDir = path.resolve(optionOf(args, '--data', path.join(__dirname, '..', '..', '.data', 'blob')));
    const listen = optionOf(args, '--listen', '127.0.0.1:10000');
    const emulator = await startBlobEmulator({ dataDir, listen });
    process.stderr.write(`blob emulator (Azurite) at ${emulator.url}, data in ${dataDir}\n`);
    process.stdout.write(`AZURE_STORAGE_CONNECTION_STRING=${emulator.connectionString}\n`);
    await runUntilStopped(emulator);
  })().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
