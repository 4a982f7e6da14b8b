'use strict';
/**
 * `npm run openapi` writes openapi/openapi.json from the compiled code (the Swagger CLI plugin runs at
 * build time); `npm run openapi:check` exits 1 when the committed file differs from what the code produces.
 * `--file PATH` compares or writes another file (used by the tests of this check).
 */
const fs = require('node:fs');
const path = require('node:path');
const { buildIfNeeded } = require('./build-if-needed');

const ROOT = path.resolve(__dirname, '..');

async function generate() {
  buildIfNeeded({ quiet: true });
  const { createApp } = require(path.join(ROOT, 'dist', 'app.factory.js'));
  const { createOpenApiDocument, stableJson } = require(path.join(ROOT, 'dist', 'openapi.js'));
  const { loadConfig } = require(path.join(ROOT, 'dist', 'config', 'load-config.js'));
  // Preview mode builds the module graph without connecting anywhere; the URI is never dialled.
  const config = loadConfig({ MONGODB_URI: 'mongodb://127.0.0.1:9/openapi', LOG_LEVEL: 'silent' });
  const app = await createApp(config, { preview: true });
  try {
    return stableJson(createOpenApiDocument(app));
  } finally {
    await app.close();
  }
}

async function main() {
  const args = process.argv.slice(2);
  const fileIndex = args.indexOf('--file');
  const file = path.resolve(
    ROOT,
    fileIndex >= 0 ? args[fileIndex + 1] : path.join('openapi', 'openapi.json'),
  );
  const document = await generate();
  if (args.includes('--check')) {
    const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (committed !== document) {
      process.stderr.write(
        `${path.relative(ROOT, file)} is out of date with the code: run \`npm run openapi\` and commit the result.\n`,
      );
      process.exit(1);
    }
    process.stdout.write(`${path.relative(ROOT, file)} is up to date\n`);
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, document);
  process.stdout.write(`wrote ${path.relative(ROOT, file)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
