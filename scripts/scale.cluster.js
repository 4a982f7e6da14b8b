'use strict';
/* global fetch, AbortSignal, FormData -- Node 20's own */
/**
 * The system under test of `npm run test:scale` and `npm run bench:scale`: N instances of the compiled API
 * on loopback over ONE embedded database, optionally sharing one Redis (tools/redis), behind a small
 * round-robin proxy; the local identity provider is served by this process, so every instance accepts the
 * same tokens (same issuer, same keys) and none of them owns it.
 */
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { buildIfNeeded } = require('./build-if-needed');
const { freePort } = require('../tools/child-process');
const { startApiProcess, testToken } = require('./faults.service');

/**
 * A round-robin HTTP proxy on 127.0.0.1: each request goes to the next instance; an instance that refuses
 * the connection (killed) is skipped for that request, as a load balancer's health probe would.
 */
function startProxy(targets) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;
  const forward = (req, res, body, tries) => {
    const target = targets[next++ % targets.length];
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (tries + 1 < targets.length && !res.headersSent) forward(req, res, body, tries + 1);
      else {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${error.code ?? error.message}`);
      }
    });
    upstream.end(body);
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), 0));
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () =>
          new Promise((done) => {
            agent.destroy();
            server.close(() => done());
            server.closeAllConnections();
          }),
      }),
    );
  });
}

/** One API instance as a child process; `output()` is its log (JSON lines). */
async function startInstance(index, env) {
  const port = await freePort();
  const api = await startApiProcess({ name: `instance ${index}`, env: { ...env, PORT: String(port) } });
  return {
    index,
    url: api.url,
    port,
    pid: api.child.pid,
    output: api.output,
    /** The id under which this instance takes job leases (it logs it at start). */
    jobInstanceId: () => /instance ([0-9a-f-]{36}) takes jobs/.exec(api.output())?.[1],
    alive: api.running,
    kill: api.kill,
    stop: api.stop,
  };
}

/**
 * @param {{ instances: number, redis: boolean, env?: Record<string,string>, log?: (line: string) => void }} options
 */
async function startCluster({
  instances,
  redis: withRedis,
  env = {},
  log = (line) => process.stderr.write(`${line}\n`),
}) {
  buildIfNeeded();
  const { startEmbeddedDb } = require('../tools/embedded-db');
  const { startRedis } = require('../tools/redis');
  const localIdp = require('../dist/auth/local-identity-provider');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'contact-pro-scale-'));
  const started = [];
  const stopAll = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    const db = await startEmbeddedDb({ dataDir: path.join(work, 'db'), log });
    started.push(() => db.stop());
    let redis;
    if (withRedis) {
      redis = await startRedis({ log });
      started.push(() => redis.stop());
    }
    const idpDir = path.join(work, 'idp');
    const keys = await localIdp.loadKeyMaterial(idpDir);
    const idp = await localIdp.startProvider({ keys, port: await freePort() });
    started.push(() => idp.close());
    const sharedEnv = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      MONGODB_URI: db.uri,
      MONGODB_DB_NAME: 'scale',
      AUTH_MODE: 'local',
      LOCAL_IDP_DIR: idpDir,
      LOCAL_IDP_PORT: String(idp.port),
      // Shared by every instance: a paging or delta link made by one is followed on another.
      PAGING_TOKEN_SECRET: 'scale-out-paging-secret-0123456789abcdef',
      ...(redis ? { REDIS_URL: redis.url } : { REDIS_URL: '' }),
      ...env,
    };
    const nodes = await Promise.all(
      Array.from({ length: instances }, (_, index) => startInstance(index + 1, sharedEnv)),
    );
    for (const node of nodes) started.push(() => node.stop());
    let extra = instances;
    const proxy = await startProxy(nodes);
    started.push(() => proxy.close());
    return {
      url: proxy.url,
      nodes,
      redis,
      dbUri: db.uri,
      dbName: sharedEnv.MONGODB_DB_NAME,
      token: (claims) => testToken(keys, idp.url, claims),
      /** Starts Redis again on its port (after `redis.stop()`), as a restarted Redis server would come back. */
      async restartRedis() {
        const again = await startRedis({ log, port: redis.port });
        started.push(() => again.stop());
        return again;
      },
      /** One more instance on the same database and provider, with `overrides` (outside the proxy). */
      async addInstance(overrides = {}) {
        extra += 1;
        const node = await startInstance(extra, { ...sharedEnv, ...overrides });
        started.push(() => node.stop());
        return node;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** One request with a JSON body; the answer's status, headers and parsed body (never throws on a status). */
async function send(base, method, url, { token, body, headers = {} } = {}) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json };
}

module.exports = { startCluster, startProxy, send };
