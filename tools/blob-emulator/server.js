'use strict';
/**
 * The child process of the blob emulator: Azurite's blob service only, run in-process through its own
 * classes (its command line would also start its telemetry, which sends data out; this never does).
 * `node server.js <dataDir> <host> <port>` prints `listening <url>` once it accepts connections, and
 * exits when its stdin closes (its parent ended in any way) or on SIGTERM/SIGINT.
 */
const fs = require('node:fs');
const path = require('node:path');
const BlobConfiguration = require('azurite/dist/src/blob/BlobConfiguration').default;
const BlobServer = require('azurite/dist/src/blob/BlobServer').default;

async function main() {
  const [dataDir, host, port] = process.argv.slice(2);
  fs.mkdirSync(dataDir, { recursive: true });
  const configuration = new BlobConfiguration(
    host,
    Number(port),
    5,
    path.join(dataDir, '__azurite_db_blob__.json'),
    path.join(dataDir, '__azurite_db_blob_extent__.json'),
    [{ locationId: 'Default', locationPath: path.join(dataDir, '__blobstorage__'), maxConcurrency: 10 }],
    false, // access log
    undefined,
    false, // debug log
    undefined,
    false, // loose
    true, // skipApiVersionCheck: the SDK may speak a newer service version than this emulator names
  );
  const server = new BlobServer(configuration);
  await server.start();
  process.stdout.write(`listening ${server.getHttpServerAddress()}\n`);

  let closing = false;
  const close = () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.stdin.on('end', close);
  process.stdin.on('error', close);
  process.stdin.resume();
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

main().catch((error) => {
  process.stderr.write(`blob emulator: ${error.message}\n`);
  process.exit(1);
});
