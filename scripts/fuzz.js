'use strict';
/* global fetch -- Node 20's own */
/**
 * `npm run test:fuzz`: Schemathesis over every operation of the committed OpenAPI document
 * (openapi/openapi.json), against the compiled service on an embedded database with a seeded tenant and
 * a token. Every check of Schemathesis: no server error, every response conforms to the document (status
 * code, content type, headers, body schema), requests the document calls valid are accepted and invalid
 * ones refused, undeclared methods get 405. What OpenAPI cannot say (OData grammar, tokens the service
 * signs, rules across the requests of a batch) scripts/fuzz_hooks.py keeps positive cases within.
 * Schemathesis is installed in .cache/fuzz/venv (git-ignored) on first use.
 *
 * FUZZ_MAX_EXAMPLES (default 100) bounds the cases per operation and phase; CI sets a smaller number.
 * FUZZ_SEED makes a run reproducible. The report (JUnit XML) goes to .cache/fuzz/. Arguments after `--` go
 * to Schemathesis as they are (`npm run test:fuzz -- --phases stateful --include-path-regex photo`).
 * Settings that belong to one operation are in scripts/schemathesis.toml.
 */
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { startService } = require('./faults.service');
const { record } = require('./test-results');

const ROOT = path.resolve(__dirname, '..');
const SCHEMATHESIS_VERSION = '4.32.5';
// Under .cache (git-, lint- and format-ignored): the packages of a virtual environment include JavaScript.
const VENV = path.join(ROOT, '.cache', 'fuzz', 'venv');
const BIN = path.join(VENV, 'bin');
const REPORT_DIR = path.join(ROOT, '.cache', 'fuzz');
const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = 'aaaaaaaa-0000-4000-8000-000000000001';

function log(line) {
  process.stderr.write(`${line}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
  }
}

/** Debian ships `venv`/`ensurepip` in a separate package: install it when missing. */
function ensureVenvModule() {
  const probe = spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' });
  if (probe.error) throw new Error('python3 is needed for the fuzzing (Python 3.9 or newer)');
  if (probe.status === 0) return;
  log('python3 has no venv/ensurepip module: installing python3-venv with apt-get');
  const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const command of [
    [...sudo, 'apt-get', 'update'],
    [...sudo, 'apt-get', 'install', '-y', 'python3-venv'],
  ]) {
    run(command[0], command.slice(1), { env });
  }
}

function installedVersion() {
  const result = spawnSync(path.join(BIN, 'schemathesis'), ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? (/(\d+\.\d+\.\d+)/.exec(result.stdout) ?? [])[1] : undefined;
}

function ensureSchemathesis() {
  if (installedVersion() === SCHEMATHESIS_VERSION) return;
  ensureVenvModule();
  if (!fs.existsSync(path.join(BIN, 'python'))) run('python3', ['-m', 'venv', VENV]);
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${path.relative(ROOT, VENV)}`);
  run(path.join(BIN, 'python'), [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `schemathesis==${SCHEMATHESIS_VERSION}`,
  ]);
}

async function seed(service, token) {
  const call = async (method, url, body) => {
    const res = await fetch(`${service.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`seeding ${method} ${url}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  await call('GET', '/api/v1/me');
  const tab = await call('POST', '/api/v1/tabs', {
    channelId: '19:fuzz@thread.tacv2',
    channelName: 'Fuzzing',
    displayName: 'Fuzzing',
    customFields: [{ key: 'industry', label: 'Industry', type: 'text' }],
  });
  await call('POST', `/api/v1/tabs/${tab.id}/contacts`, {
    displayName: 'Fuzzy Contact',
    companyName: 'Contoso',
  });
}

/** Each operation of the document is one test: failed when Schemathesis found anything wrong with it. */
function summarize(junitFile, exitCode) {
  if (!fs.existsSync(junitFile)) {
    record('fuzzing', { failed: 1 });
    return;
  }
  const xml = fs.readFileSync(junitFile, 'utf8');
  const cases = xml.split('<testcase ').slice(1);
  const failed = cases.filter((c) => /<(failure|error)[\s>]/.test(c.split('</testcase>')[0])).length;
  // A run that failed with no failing operation (a crash, a bad option) still counts as one failure.
  record('fuzzing', {
    passed: cases.length - failed,
    failed: failed || (exitCode === 0 ? 0 : 1),
  });
  log(
    `\nfuzzing: ${cases.length} operations checked, ${failed} with findings (report: ${path.relative(ROOT, junitFile)})`,
  );
}

/**
 * Passes Schemathesis' output through, except its framed section lines (`===== 3 warnings in 40.92s =====`):
 * log readers take such a line for a test runner's closing summary. They are written
 * `Schemathesis, 3 warnings`.
 */
function unframed(stream, target) {
  const lines = readline.createInterface({ input: stream });
  lines.on('line', (line) => {
    const framed = /^\s*={3,}\s*(.*?)\s*={3,}\s*$/.exec(line);
    // The section's name stays; a closing tally's "in 40.92s" goes, so no runner's summary is left either.
    const section = framed ? framed[1].replace(/ in [\d.]+m?s$/, '') : undefined;
    target.write(`${framed ? `Schemathesis, ${section}` : line}\n`);
  });
  return new Promise((resolve) => lines.once('close', resolve));
}

async function main() {
  ensureSchemathesis();
  const service = await startService({
    label: 'fuzz',
    env: { RATE_LIMIT_PER_USER: '10000000', RATE_LIMIT_PER_TENANT: '10000000' },
  });
  let code = 1;
  try {
    const token = service.token({ tenantId: TENANT, userId: USER, name: 'Fuzzer' });
    await seed(service, token);
    fs.mkdirSync(REPORT_DIR, { recursive: true });
    const junit = path.join(REPORT_DIR, 'junit.xml');
    // A report left by an earlier run must not be read as this run's.
    fs.rmSync(junit, { force: true });
    const args = [
      '--config-file',
      path.join(__dirname, 'schemathesis.toml'),
      'run',
      path.join(ROOT, 'openapi', 'openapi.json'),
      '--url',
      service.url,
      '--header',
      `Authorization: Bearer ${token}`,
      '--checks',
      'all',
      '--max-examples',
      process.env.FUZZ_MAX_EXAMPLES || '100',
      '--workers',
      // One worker by default: with two threads, Python 3.11's parser intermittently fails inside
      // Schemathesis ("AST constructor recursion depth mismatch"), a finding that is not the service's.
      process.env.FUZZ_WORKERS || '1',
      '--request-timeout',
      '35',
      '--suppress-health-check',
      'all',
      '--report',
      'junit',
      '--report-junit-path',
      junit,
      '--output-sanitize',
      'true',
      ...(process.env.FUZZ_SEED ? ['--seed', process.env.FUZZ_SEED] : []),
      ...process.argv.slice(2),
    ];
    code = await new Promise((resolve) => {
      const child = spawn(path.join(BIN, 'schemathesis'), args, {
        // Its own caches (.schemathesis, .hypothesis) go beside the report, not into the repository.
        cwd: REPORT_DIR,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          SCHEMATHESIS_TELEMETRY: 'false',
          SCHEMATHESIS_HOOKS: 'fuzz_hooks',
          PYTHONPATH: __dirname,
          NO_COLOR: '1',
        },
      });
      const output = Promise.all([
        unframed(child.stdout, process.stdout),
        unframed(child.stderr, process.stderr),
      ]);
      child.once('exit', (exit) => void output.then(() => resolve(exit ?? 1)));
    });
    summarize(junit, code);
  } finally {
    const exit = await service.stop();
    if (exit !== 0) {
      log(`the service exited with ${exit} on SIGTERM`);
      code = code || 1;
    }
  }
  process.exit(code);
}

main().catch((error) => {
  log(error.stack || String(error));
  process.exit(1);
});
