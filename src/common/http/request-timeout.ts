import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from '../errors/error-response';
import { ApiError } from '../errors/api-error';
import { requestIdOf } from './request-id';

const TIMER = Symbol('contactPro.requestTimer');

type TimedRequest = FastifyRequest & { [TIMER]?: NodeJS.Timeout };

/** Seconds a client is told to wait after a timeout. */
const RETRY_AFTER_SECONDS = 5;

function timedOut(): ApiError {
  return ApiError.serviceUnavailable(
    'The request took too long and was abandoned; retry later.',
    RETRY_AFTER_SECONDS,
  );
}

function clear(request: FastifyRequest): void {
  const timed = request as TimedRequest;
  if (timed[TIMER]) clearTimeout(timed[TIMER]);
  timed[TIMER] = undefined;
}

/**
 * Answers any request still unanswered after `timeoutMs` with 503 and the error body, whatever it is
 * waiting for (body, guard, database). Fastify's own timeouts would only cut the socket. The handler
 * that finishes later finds the reply sent: Fastify drops its answer (with a warning) and the error
 * filter checks `reply.sent`.
 */
export function applyRequestTimeout(fastify: FastifyInstance, timeoutMs: number): void {
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const timer = setTimeout(() => {
      (request as TimedRequest)[TIMER] = undefined;
      if (reply.sent || reply.raw.destroyed) return;
      request.log.warn({ route: request.routeOptions.url ?? 'unmatched', timeoutMs }, 'request timed out');
      const response = toErrorResponse(timedOut(), requestIdOf(request.raw));
      void reply.status(response.status).headers(response.headers).send(response.body);
    }, timeoutMs);
    timer.unref();
    (request as TimedRequest)[TIMER] = timer;
  });
  fastify.addHook('onResponse', async (request) => clear(request));
  fastify.addHook('onRequestAbort', async (request) => clear(request));
}
