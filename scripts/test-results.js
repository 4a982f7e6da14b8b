'use strict';
/**
 * One place where every kind of check (jest, the fuzzing, the fault test) records how many of its tests
 * passed and failed, so that a run of several of them can end with one totals line:
 * `tests: N passed, N failed, N skipped`.
 *
 * Each recorder writes .cache/test-results/<name>.json; `node scripts/test-results.js total` sums them and
 * prints the line, `node scripts/test-results.js reset` empties the folder before a run.
 */
const fs = require('node:fs');
const path = require('node:path');

const DIR = path.join(__dirname, '..', '.cache', 'test-results');

function totalsLine({ passed, failed, skipped }) {
  return `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
}

/** Records one check's counts under `name` (a later record of the same name replaces it). */
function record(name, { passed = 0, failed = 0, skipped = 0 }) {
  fs.mkdirSync(DIR, { recursive: true });
  const file = path.join(DIR, `${name.replace(/[^a-zA-Z0-9_-]/g, '_')}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ name, passed, failed, skipped })}\n`);
}

function total() {
  const sum = { passed: 0, failed: 0, skipped: 0 };
  if (!fs.existsSync(DIR)) return sum;
  for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
    const counts = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));
    sum.passed += counts.passed;
    sum.failed += counts.failed;
    sum.skipped += counts.skipped;
  }
  return sum;
}

module.exports = { record, total, totalsLine };

if (require.main === module) {
  const command = process.argv[2];
  if (command === 'reset') fs.rmSync(DIR, { recursive: true, force: true });
  else if (command === 'total') process.stdout.write(`${totalsLine(total())}\n`);
  else {
    process.stderr.write('usage: node scripts/test-results.js reset|total\n');
    process.exit(2);
  }
}
