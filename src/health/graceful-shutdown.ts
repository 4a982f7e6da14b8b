import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { ShutdownState } from './shutdown-state';

/** How often the drain checks for in-flight requests and closes idle keep-alive connections. */
const POLL_MS = 50;

const inFlight = new WeakMap<FastifyInstance, { count: number }>();

/** Counts the requests being served (called by the app factory), so shutdown knows when they are done. */
export function trackInFlightRequests(fastify: FastifyInstance): void {
  const counter = { count: 0 };
  inFlight.set(fastify, counter);
  fastify.addHook('onRequest', async (_request, reply) => {
    counter.count++;
    // 'close' fires once whether the response was sent or the client went away.
    reply.raw.once('close', () => counter.count--);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The shutdown sequence, bounded by `graceMs` in all:
 * 1. readiness answers 503 at once (the server still accepts, so probes and load balancers see it);
 * 2. in-flight requests finish; once none is left the server stops accepting and closes its connections
 *    (requests still arriving on open connections get 503); at the deadline whatever remains is cut;
 * 3. Nest's hooks run: job leases are released in `beforeApplicationShutdown`, then the database
 *    connection closes.
 */
export async function shutDownGracefully(app: NestFastifyApplication, graceMs: number): Promise<void> {
  const logger = new Logger('Shutdown');
  app.get(ShutdownState).begin();
  const fastify = app.getHttpAdapter().getInstance();
  const counter = inFlight.get(fastify) ?? { count: 0 };
  const started = Date.now();
  const deadline = started + graceMs;
  logger.log(`shutting down: readiness is 503; draining ${counter.count} requests (at most ${graceMs} ms)`);

  while (counter.count > 0 && Date.now() < deadline) await sleep(POLL_MS);
  const server = fastify.server;
  const sweep = setInterval(() => server.closeIdleConnections(), POLL_MS);
  let cut = false;
  const cutTimer = setTimeout(
    () => {
      cut = true;
      server.closeAllConnections();
    },
    Math.max(0, deadline - Date.now()),
  );
  try {
    await fastify.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(cutTimer);
  }
  logger.log(
    cut
      ? `grace period over after ${Date.now() - started} ms: remaining connections were cut`
      : `requests drained in ${Date.now() - started} ms`,
  );
  await app.close();
  logger.log('shut down');
}

/** SIGTERM and SIGINT run {@link shutDownGracefully} once, then the process exits (0 when it went well). */
export function exitGracefullyOnSignals(app: NestFastifyApplication, graceMs: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    // Should a hook hang, the process still ends (the orchestrator would kill it anyway).
    setTimeout(() => process.exit(1), graceMs + 10_000).unref();
    new Logger('Shutdown').log(`${signal} received`);
    shutDownGracefully(app, graceMs).then(
      () => process.exit(0),
      (error: unknown) => {
        new Logger('Shutdown').error('shutdown failed', error instanceof Error ? error.stack : String(error));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
