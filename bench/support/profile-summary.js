'use strict';
/**
 * Where a V8 CPU profile (.cpuprofile, from `node --cpu-prof`) spent its time: self time by package (the
 * folder under node_modules, or `service` for src/, `node` for Node's own code) and the top functions.
 *
 * Run: node bench/support/profile-summary.js FILE [--top 25]
 */
const fs = require('node:fs');

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/support/profile-summary.js FILE.cpuprofile [--top N]\n');
  process.exit(2);
}
const top = Number(rest[rest.indexOf('--top') + 1]) || 25;
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));

// Self time of a node: its share of the samples times the sampling interval.
const selfMicros = new Map();
const intervals = profile.timeDeltas;
profile.samples.forEach((id, index) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (intervals[index] ?? 0));
});

function packageOf(url) {
  if (!url) return '(native or idle)';
  if (url.startsWith('node:')) return 'node';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.includes('/src/')) return 'service';
  return url.split('/').slice(-2).join('/');
}

const byPackage = new Map();
const byFunction = new Map();
let total = 0;
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  if (micros === 0) continue;
  total += micros;
  const { url, functionName, lineNumber } = node.callFrame;
  const pkg = ['(idle)', '(program)', '(garbage collector)'].includes(functionName)
    ? functionName
    : packageOf(url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
}

const print = (title, map, limit) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    process.stdout.write(
      `${((micros / total) * 100).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}\n`,
    );
  }
};
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
print('self time by package', byPackage, 20);
print('self time by function', byFunction, top);
