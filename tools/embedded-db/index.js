'use strict';
/**
 * Builds (on demand) and runs the embedded database: a MongoDB-compatible server for when MONGODB_URI is
 * unset, so that `npm start` and the tests need no database installed.
 *
 * Two engines, chosen by the `engine` option, else EMBEDDED_DB_ENGINE, else the default:
 * - `mongo-java-server` (default): mongo-java-server over an H2 MVStore file, run by the small Java program
 *   in mongo-java-server/, built with Maven into .cache/embedded-db/mongo-java-server/<hash of pom.xml and
 *   src/>/embedded-db.jar. The default because its conditional updates are atomic and it is much faster
 *   than FerretDB here. EMBEDDED_DB_HEAP_MB (default 1024) caps its heap, so a long test run cannot grow it
 *   without bound.
 * - `ferretdb`: FerretDB 1.24 over SQLite, embedded in the Go program in ferretdb/, built with Go into
 *   .cache/embedded-db/ferretdb/<hash of go.mod, go.sum and main.go>/embedded-db. Kept so that the code
 *   never depends on one engine's quirks.
 *
 * Both launchers keep one contract: they print `listening <mongodb uri>` once they accept connections, keep
 * their data in the given folder and exit cleanly on SIGTERM. Unchanged sources are never rebuilt, and a
 * build is renamed into place, so concurrent builders never see half an artifact. The database child gets
 * a pipe as its stdin and watches it: when this process ends in any way (Ctrl-C, crash, SIGKILL) the pipe
 * closes and the database exits, so no orphan survives its parent.
 */
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { launchChild, listeningLine, optionOf, runUntilStopped } = require('../child-process');

const SOURCE_DIR = __dirname;
const REPO_ROOT = path.resolve(SOURCE_DIR, '..', '..');
const CACHE_ROOT = path.join(REPO_ROOT, '.cache', 'embedded-db');

class EmbeddedDbError extends Error {}

const NO_DATABASE_HINT =
  'or point the service at a MongoDB-compatible server by setting MONGODB_URI ' +
  '(for example MONGODB_URI=mongodb://localhost:27017), in which case no embedded database is started.';

const GO_MISSING_MESSAGE =
  'The embedded database needs Go 1.24 or newer to build, and no working `go` command was found on PATH. ' +
  'Either install Go 1.24+ (https://go.dev/doc/install, or `apt-get install golang` where it is recent ' +
  `enough) and run the command again, ${NO_DATABASE_HINT}`;

const JAVA_MISSING_MESSAGE =
  'The embedded database (mongo-java-server) needs Java 17 or newer to run and Maven 3.6.3 or newer to ' +
  'build it. Either install them (for example `apt-get install openjdk-17-jdk-headless maven`) and run the ' +
  `command again, ${NO_DATABASE_HINT}`;

const DEFAULT_HEAP_MB = 1024;

function defaultLog(line) {
  process.stderr.write(`${line}\n`);
}

/** sha256 over the files' relative names and contents, so a rename changes the hash too. */
function hashFiles(root, files) {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(root, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

function listFiles(root, dir) {
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = path.posix.join(dir, entry.name);
      return entry.isDirectory() ? listFiles(root, relative) : [relative];
    })
    .sort();
}

/** Runs `build(partial)`, which must create the file `partial`, then renames it to `target` atomically. */
function buildAtomically(target, build) {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  try {
    build(partial);
    fs.renameSync(partial, target);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return target;
}

// ---------------------------------------------------------------------------------------------------------
// FerretDB (Go)

const GO_DIR = path.join(SOURCE_DIR, 'ferretdb');

function goVersion() {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /^go(\d+)\.(\d+)/.exec(result.stdout.trim());
  return match ? { major: Number(match[1]), minor: Number(match[2]), text: result.stdout.trim() } : undefined;
}

const ferretdb = {
  id: 'ferretdb',
  description: 'FerretDB 1.24 (SQLite)',
  artifactPath() {
    return path.join(
      CACHE_ROOT,
      'ferretdb',
      hashFiles(GO_DIR, ['go.mod', 'go.sum', 'main.go']),
      'embedded-db',
    );
  },
  build(target, log) {
    const version = goVersion();
    if (!version || version.major < 1 || (version.major === 1 && version.minor < 24)) {
      throw new EmbeddedDbError(
        version ? `${GO_MISSING_MESSAGE} (found ${version.text})` : GO_MISSING_MESSAGE,
      );
    }
    log(`embedded database: building FerretDB with ${version.text} (first run only; takes a few minutes)...`);
    buildAtomically(target, (partial) => {
      const result = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], {
        cwd: GO_DIR,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
      });
      if (result.status !== 0) {
        throw new EmbeddedDbError(
          `embedded database: go build failed (exit ${result.status ?? result.signal})`,
        );
      }
    });
  },
  command(binary, { listen, dataDir, logLevel }) {
    return {
      file: binary,
      args: ['-listen', listen, '-data', dataDir, '-log-level', logLevel, '-watch-stdin'],
    };
  },
};

// ---------------------------------------------------------------------------------------------------------
// mongo-java-server (Java)

const JAVA_DIR = path.join(SOURCE_DIR, 'mongo-java-server');

/** The JDK that Maven also uses: JAVA_HOME when set, else `java` on PATH. */
function javaCommand() {
  const home = process.env.JAVA_HOME;
  const candidate = home && path.join(home, 'bin', 'java');
  return candidate && fs.existsSync(candidate) ? candidate : 'java';
}

/** Parses `openjdk version "17.0.15"` and the old `java version "1.8.0_402"` of `java -version`. */
function parseJavaVersion(output) {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(output);
  if (!match) return undefined;
  const major = match[1] === '1' ? Number(match[2]) : Number(match[1]);
  return { major, text: match[0] };
}

let checkedJava;
function checkJava() {
  if (checkedJava) return checkedJava;
  const java = javaCommand();
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const version = result.error ? undefined : parseJavaVersion(`${result.stderr}${result.stdout}`);
  if (!version) throw new EmbeddedDbError(`${JAVA_MISSING_MESSAGE} (no working \`${java} -version\`)`);
  if (version.major < 17) throw new EmbeddedDbError(`${JAVA_MISSING_MESSAGE} (found Java ${version.text})`);
  checkedJava = java;
  return java;
}

function checkMaven() {
  const result = spawnSync('mvn', ['-v', '-B'], { encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  const maven = /Apache Maven (\d+)\.(\d+)\.(\d+)/.exec(output);
  if (result.error || result.status !== 0 || !maven) {
    throw new EmbeddedDbError(`${JAVA_MISSING_MESSAGE} (no working \`mvn\` on PATH)`);
  }
  const [major, minor, patch] = maven.slice(1).map(Number);
  if (major < 3 || (major === 3 && (minor < 6 || (minor === 6 && patch < 3)))) {
    throw new EmbeddedDbError(`${JAVA_MISSING_MESSAGE} (found ${maven[0]})`);
  }
  // Maven compiles with the JDK it runs on, which may not be the `java` on PATH.
  const java = /Java version: (\d+)/.exec(output);
  if (java && Number(java[1]) < 17) {
    throw new EmbeddedDbError(`${JAVA_MISSING_MESSAGE} (Maven runs on Java ${java[1]})`);
  }
  return maven[0];
}

function heapMb() {
  const raw = process.env.EMBEDDED_DB_HEAP_MB;
  if (raw === undefined || raw.trim() === '') return DEFAULT_HEAP_MB;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < 64 || value > 16384) {
    throw new EmbeddedDbError(
      `EMBEDDED_DB_HEAP_MB must be a whole number of megabytes from 64 to 16384 (got ${JSON.stringify(raw)})`,
    );
  }
  return value;
}

const mongoJavaServer = {
  id: 'mongo-java-server',
  description: 'mongo-java-server 1.47.0 (H2 MVStore file)',
  artifactPath() {
    const files = ['pom.xml', ...listFiles(JAVA_DIR, 'src')];
    return path.join(CACHE_ROOT, 'mongo-java-server', hashFiles(JAVA_DIR, files), 'embedded-db.jar');
  },
  build(target, log) {
    checkJava();
    const maven = checkMaven();
    log(
      `embedded database: building mongo-java-server with ${maven} (first run only; this takes a minute)...`,
    );
    // Maven writes target/ next to the pom: build in a copy so the source folder stays clean and two
    // builders never share one target/.
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const work = fs.mkdtempSync(`${path.dirname(target)}${path.sep}build-`);
    try {
      fs.cpSync(path.join(JAVA_DIR, 'pom.xml'), path.join(work, 'pom.xml'));
      fs.cpSync(path.join(JAVA_DIR, 'src'), path.join(work, 'src'), { recursive: true });
      buildAtomically(target, (partial) => {
        // Captured, not inherited: Maven prints its errors on stdout, which `--build` keeps for the jar's
        // path, and Debian's Maven 3.8 prints colour resets even with -B.
        const result = spawnSync('mvn', ['-q', '-B', '-Dstyle.color=never', 'package'], {
          cwd: work,
          stdio: ['ignore', 'pipe', 'pipe'],
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        // eslint-disable-next-line no-control-regex
        const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '').trim();
        if (output) log(output);
        if (result.status !== 0) {
          throw new EmbeddedDbError(
            `embedded database: mvn package failed (exit ${result.status ?? result.signal})`,
          );
        }
        fs.renameSync(path.join(work, 'target', 'embedded-db.jar'), partial);
      });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  },
  validate() {
    heapMb();
    checkJava();
  },
  command(jar, { listen, dataDir, logLevel }) {
    // Serial GC: one thread and the smallest resident size. The heap starts at 128 MiB (or the cap, when
    // lower): from 16 or 64 MiB a page of 50 out of 20 000 contacts took 500-650 ms instead of 100 ms, the
    // collector running all the time. A heap exhausted exits (npm start restarts it) instead of limping on.
    const heap = heapMb();
    const jvm = [
      `-Xmx${heap}m`,
      `-Xms${Math.min(heap, 128)}m`,
      '-XX:+UseSerialGC',
      '-XX:+ExitOnOutOfMemoryError',
    ];
    const args = ['--listen', listen, '--data', dataDir, '--log-level', logLevel, '--watch-stdin'];
    return { file: checkJava(), args: [...jvm, '-jar', jar, ...args] };
  },
};

const ENGINE_BY_ID = { [mongoJavaServer.id]: mongoJavaServer, [ferretdb.id]: ferretdb };
/** The engine ids; the first is the default. */
const ENGINES = Object.freeze(Object.keys(ENGINE_BY_ID));

/** The id of engine `name`, else of EMBEDDED_DB_ENGINE, else the default; unknown ids: EmbeddedDbError. */
function resolveEngine(name) {
  const env = process.env.EMBEDDED_DB_ENGINE;
  const wanted = name || (env && env.trim()) || ENGINES[0];
  if (!Object.hasOwn(ENGINE_BY_ID, wanted)) {
    const source = name ? 'the embedded database engine' : 'EMBEDDED_DB_ENGINE';
    const allowed = `${ENGINES.join(' or ')} (the default is ${ENGINES[0]})`;
    throw new EmbeddedDbError(`${source} must be ${allowed}; got ${JSON.stringify(wanted)}`);
  }
  return wanted;
}

/** The path of the engine's built program (binary or jar); it may not exist yet. */
function binaryPath({ engine } = {}) {
  return ENGINE_BY_ID[resolveEngine(engine)].artifactPath();
}

/** Returns the path of the engine's built program, building it first when its sources changed. */
function ensureBuilt({ engine, log = defaultLog } = {}) {
  const selected = ENGINE_BY_ID[resolveEngine(engine)];
  const target = selected.artifactPath();
  if (fs.existsSync(target)) return target;
  const started = Date.now();
  selected.build(target, log);
  log(`embedded database: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return target;
}

async function ping(uri, timeoutMs) {
  const { MongoClient } = require('mongodb');
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 1000, directConnection: true });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.close().catch(() => undefined);
    }
  }
  throw new EmbeddedDbError(`embedded database does not answer ping: ${lastError && lastError.message}`);
}

/**
 * Starts the embedded database and resolves once it answers `ping`.
 * @param {{ dataDir: string, listen?: string, logLevel?: string, engine?: string,
 *   log?: (line: string) => void }} options
 * @returns {Promise<{ uri: string, port: number, pid: number, engine: string, description: string,
 *   stop: () => Promise<void>, exited: Promise<number|null>,
 *   child: import('node:child_process').ChildProcess }>}
 */
async function startEmbeddedDb({ dataDir, listen = '127.0.0.1:0', logLevel = 'warn', engine, log } = {}) {
  if (!dataDir) throw new EmbeddedDbError('startEmbeddedDb: dataDir is required');
  const selected = ENGINE_BY_ID[resolveEngine(engine)];
  // Bad settings fail before a build of several minutes, not after it.
  selected.validate?.();
  const artifact = ensureBuilt({ engine: selected.id, log });
  const { file, args } = selected.command(artifact, { listen, dataDir, logLevel });
  const listening = listeningLine('embedded database', (message) => new EmbeddedDbError(message));
  const { address: uri, ...launched } = await launchChild(file, args, async (child) => {
    const address = await listening(child);
    await ping(address, 15_000);
    return address;
  });
  return {
    uri,
    port: Number(new URL(uri).port),
    engine: selected.id,
    description: selected.description,
    ...launched,
  };
}

module.exports = {
  ENGINES,
  resolveEngine,
  ensureBuilt,
  startEmbeddedDb,
  binaryPath,
  EmbeddedDbError,
  GO_MISSING_MESSAGE,
  JAVA_MISSING_MESSAGE,
};

// `node tools/embedded-db [--engine NAME] [--build] [--data DIR] [--listen HOST:PORT]`: build the selected
// engine only, or run it in the foreground.
if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => optionOf(args, name, fallback);
  (async () => {
    const engine = option('--engine');
    if (args.includes('--build')) {
      process.stdout.write(`${ensureBuilt({ engine })}\n`);
      return;
    }
    const dataDir = path.resolve(option('--data', path.join(REPO_ROOT, '.data', 'db')));
    const db = await startEmbeddedDb({
      engine,
      dataDir,
      listen: option('--listen', '127.0.0.1:27017'),
    });
    process.stderr.write(`embedded database: ${db.description}, data in ${dataDir}\n`);
    process.stdout.write(`${db.uri}\n`);
    await runUntilStopped(db);
  })().catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
