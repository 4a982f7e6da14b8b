'use strict';
/**
 * Compiles src/ into dist/ with the Nest CLI (which runs the Swagger plugin), but only when the sources
 * changed since the last build, so a second `npm start` starts at once.
 */
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.source-hash');
const INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json', 'package.json'];

function listSources(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return listSources(full);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
    })
    .sort();
}

function sourceHash() {
  const hash = crypto.createHash('sha256');
  for (const file of [
    ...INPUTS.map((name) => path.join(ROOT, name)),
    ...listSources(path.join(ROOT, 'src')),
  ]) {
    if (!fs.existsSync(file)) continue;
    hash.update(path.relative(ROOT, file));
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

function buildIfNeeded({ quiet = false } = {}) {
  const hash = sourceHash();
  if (
    fs.existsSync(STAMP) &&
    fs.readFileSync(STAMP, 'utf8') === hash &&
    fs.existsSync(path.join(ROOT, 'dist', 'main.js'))
  ) {
    return false;
  }
  if (!quiet) process.stderr.write('compiling the service (nest build)...\n');
  const result = spawnSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], {
    cwd: ROOT,
    stdio: ['ignore', quiet ? 'pipe' : 'inherit', 'inherit'],
  });
  if (result.status !== 0) {
    process.stderr.write('nest build failed\n');
    process.exit(result.status ?? 1);
  }
  fs.writeFileSync(STAMP, hash);
  return true;
}

module.exports = { buildIfNeeded };

if (require.main === module) buildIfNeeded();
