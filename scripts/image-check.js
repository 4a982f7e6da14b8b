'use strict';
/* global fetch, AbortSignal -- Node 20's own */
/**
 * `npm run test:image`: builds what docker/Dockerfile builds, from only what it copies, and starts the
 * result as the image would, without a Docker engine.
 *
 * The Dockerfile is read, not restated: the build stage's COPY sources are copied into an empty folder and
 * its RUN lines run there; the runtime stage's `COPY --from=build` paths are copied into a second empty
 * folder, where its CMD runs with its ENV (on loopback, over an embedded database, in production mode
 * with Azure AD settings). Then the liveness and readiness probes, the image's own HEALTHCHECK command,
 * an unauthenticated request and a clean stop on SIGTERM are checked. Each check is recorded as a test.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('../tools/child-process');
const { sleep } = require('./faults.service');
const { record } = require('./test-results');

const ROOT = path.resolve(__dirname, '..');
const DOCKERFILE = path.join(ROOT, 'docker', 'Dockerfile');

const log = (line) => process.stderr.write(`image: ${line}\n`);

/** The Dockerfile's instructions per stage: continuation lines joined, comments and parser directives left out. */
function parseDockerfile(text) {
  const stages = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue;
    pending += raw.replace(/\\\s*$/, ' ');
    if (/\\\s*$/.test(raw)) continue;
    const line = pending.trim();
    pending = '';
    if (!line) continue;
    const [, instruction, args] = /^(\S+)\s+([\s\S]*)$/.exec(line);
    const keyword = instruction.toUpperCase();
    if (keyword === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args.trim());
      stages.push({ image, name, instructions: [] });
    } else stages.at(-1).instructions.push({ keyword, args: args.trim() });
  }
  return stages;
}

/** `a b c dest` or `["a", "b", "dest"]`, with the `--from=` / `--chown=` flags apart. */
function copyArguments(args) {
  const words = args.startsWith('[') ? JSON.parse(args) : args.split(/\s+/);
  const flags = Object.fromEntries(
    words.filter((w) => w.startsWith('--')).map((w) => w.slice(2).split('=', 2)),
  );
  const paths = words.filter((w) => !w.startsWith('--'));
  return { flags, sources: paths.slice(0, -1), destination: paths.at(-1) };
}

/** ENV in both of its forms (`K=V K2=V2` and the legacy `K V`). */
function envArguments(args) {
  if (!args.includes('=')) {
    const [key, ...value] = args.split(/\s+/);
    return { [key]: value.join(' ') };
  }
  return Object.fromEntries(
    [...args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)].map(([, key, value]) => [
      key,
      value.startsWith('"') ? JSON.parse(value) : value,
    ]),
  );
}

function copyInto(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true, dereference: false });
}

/** Where a COPY destination lands in the folder standing for the stage's WORKDIR. */
function target(stageDir, workdir, destination, source) {
  const absolute = path.posix.resolve(workdir, destination);
  const relative = path.posix.relative(workdir, absolute);
  const into = destination.endsWith('/') || destination === '.' || destination === './';
  return path.join(stageDir, relative, into ? path.basename(source) : '');
}

function run(command, cwd, env) {
  log(`RUN ${command}`);
  const result = spawnSync('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`"${command}" exited with ${result.status}`);
}

async function statusOf(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return {
      status: response.status,
      body: await response.json().catch(() => undefined),
      headers: response.headers,
    };
  } catch {
    return { status: 0 };
  }
}

async function waitFor(url, status, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await statusOf(url);
    if (answer.status === status || Date.now() > deadline) return answer;
    await sleep(250);
  }
}

async function main() {
  const stages = parseDockerfile(fs.readFileSync(DOCKERFILE, 'utf8'));
  const [build, runtime] = [stages[0], stages.at(-1)];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'contact-pro-image-'));
  const results = [];
  const check = (name, ok, detail = '') => {
    results.push(ok);
    log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
  };
  // The embedded database stands in for the image's MongoDB; it is not part of the image.
  const { startEmbeddedDb } = require('../tools/embedded-db');
  let db;
  let service;
  try {
    // Build stage: an empty folder, only what the Dockerfile copies, then its RUN lines.
    const buildDir = path.join(work, 'build');
    fs.mkdirSync(buildDir);
    let workdir = '/';
    // The build sees a bare environment, as a Docker build does (npm's cache and registry settings kept).
    const buildEnv = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => key === 'PATH' || key === 'HOME' || /^npm_config_/i.test(key),
      ),
    );
    for (const { keyword, args } of build.instructions) {
      if (keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, args);
      else if (keyword === 'ENV') Object.assign(buildEnv, envArguments(args));
      else if (keyword === 'COPY') {
        const { sources, destination } = copyArguments(args);
        for (const source of sources)
          copyInto(path.join(ROOT, source), target(buildDir, workdir, destination, source));
      } else if (keyword === 'RUN') run(args, buildDir, buildEnv);
    }
    const buildWorkdir = workdir;
    check('the build stage builds from only what the Dockerfile copies', true);

    // Runtime stage: only the paths it takes from the build stage.
    const appDir = path.join(work, 'app');
    fs.mkdirSync(appDir);
    workdir = '/';
    const env = { PATH: process.env.PATH };
    let command;
    let healthcheck;
    for (const { keyword, args } of runtime.instructions) {
      if (keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, args);
      else if (keyword === 'ENV') Object.assign(env, envArguments(args));
      else if (keyword === 'COPY') {
        const { flags, sources, destination } = copyArguments(args);
        if (flags.from !== build.name)
          throw new Error(`COPY without --from=${build.name} is not expected: ${args}`);
        for (const source of sources) {
          const relative = path.posix.relative(buildWorkdir, path.posix.resolve(buildWorkdir, source));
          copyInto(path.join(buildDir, relative), target(appDir, workdir, destination, source));
        }
      } else if (keyword === 'CMD') command = JSON.parse(args);
      else if (keyword === 'HEALTHCHECK') healthcheck = JSON.parse(args.replace(/^.*?\bCMD\s+/, ''));
    }
    if (!command || command[0] !== 'node') throw new Error('the runtime stage has no CMD ["node", …]');

    db = await startEmbeddedDb({ dataDir: path.join(work, 'db'), log });
    const port = await freePort();
    Object.assign(env, {
      // The image listens on 0.0.0.0; here, loopback only.
      HOST: '127.0.0.1',
      PORT: String(port),
      MONGODB_URI: db.uri,
      AZURE_AD_CLIENT_ID: '6f1b7c8e-3a52-4c1d-9e0f-0a1b2c3d4e5f',
      AZURE_AD_TENANT_ID: '0f4e2a6b-8c1d-4e3f-9a5b-7c6d5e4f3a2b',
      LOG_LEVEL: 'warn',
    });
    const url = `http://127.0.0.1:${port}`;
    service = spawn(process.execPath, command.slice(1), {
      cwd: appDir,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise((resolve) => service.once('exit', (code, signal) => resolve(code ?? signal)));

    const live = await waitFor(`${url}/health/live`, 200, 60_000);
    check(
      '`node dist/main.js` starts and answers /health/live',
      live.status === 200,
      `status ${live.status}`,
    );
    const ready = await waitFor(`${url}/health/ready`, 200, 30_000);
    check('/health/ready is 200 with the database reachable', ready.status === 200, `status ${ready.status}`);
    if (healthcheck) {
      const probe = spawnSync(
        healthcheck[0] === 'node' ? process.execPath : healthcheck[0],
        healthcheck.slice(1),
        {
          cwd: appDir,
          env,
          timeout: 10_000,
        },
      );
      check("the image's HEALTHCHECK command passes", probe.status === 0, `exit ${probe.status}`);
    }
    const me = await statusOf(`${url}/api/v1/me`);
    check(
      'a request without a token is a 401 in the standard error body',
      me.status === 401 && typeof me.body?.error?.code === 'string' && Boolean(me.headers.get('request-id')),
      `status ${me.status}`,
    );
    service.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout')]);
    check('SIGTERM stops it with exit code 0', code === 0, `exit ${code}`);
    service = undefined;
  } catch (error) {
    check('the image builds and starts', false, error.message);
  } finally {
    if (service) service.kill('SIGKILL');
    if (db) await db.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const failed = results.filter((ok) => !ok).length;
  record('image', { passed: results.length - failed, failed });
  log(`${results.length - failed} of ${results.length} image checks passed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  log(error.stack || String(error));
  process.exit(1);
});
