import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from './api-error';
import { toErrorResponse } from './error-response';
import { requestIdOf } from '../http/request-id';

/** Node's parser errors answered with their own status (any other is a 400), as Node itself does. */
const PARSER_ERRORS: Record<string, { status: number; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    message: 'The request line and headers are larger than the server accepts.',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    message: 'The chunk extensions of the request body are larger than the server accepts.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: HttpStatus.REQUEST_TIMEOUT,
    message: 'The request was not received in time.',
  },
};

const MALFORMED = { status: HttpStatus.BAD_REQUEST, message: 'The request is not valid HTTP/1.1.' };

/**
 * Writes the error body on a socket no response object owns (a request the parser refused, a CONNECT),
 * unless a response on this connection has already begun.
 */
function writeError(socket: Duplex, status: number, message: string, requestId: string): void {
  const body = JSON.stringify(toErrorResponse(ApiError.of(status, message), requestId).body);
  const current = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (!socket.writable || current?.headersSent) return;
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `request-id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Fastify's `clientErrorHandler`: a request Node's parser refused (headers or URL over
 * `--max-http-header-size`, a bad Content-Length, an unknown method, a timeout) gets the error body, a
 * new request id and `Connection: close` instead of Node's or Fastify's own JSON. The request never
 * became one, so there is no route, hook or client-request-id to honour.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: NodeJS.ErrnoException,
  socket: Duplex,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, message } = PARSER_ERRORS[error.code ?? ''] ?? MALFORMED;
  const requestId = randomUUID();
  this.log.debug({ reqId: requestId, code: error.code, status }, 'request refused by the HTTP parser');
  writeError(socket, status, message, requestId);
  socket.destroy(error);
}

const EXPECTATION = Symbol('contactPro.unmetExpectation');

type MarkedRequest = IncomingMessage & { [EXPECTATION]?: true };

/**
 * Answers in the error body what Node and Fastify would otherwise answer themselves, bypassing it:
 * - a CONNECT (Node closes the connection without a word);
 * - an `Expect` other than 100-continue (Node's bare 417): the request is routed as usual and refused
 *   by a hook, so it gets every header and its log line;
 * - an HTTP/1.1 request without Host (Node's bare 400, turned off with `requireHostHeader: false`);
 * - requests arriving on open connections while the server closes (Fastify's own 503, turned off with
 *   `return503OnClosing: false`).
 */
export function answerProtocolErrorsInErrorBody(fastify: FastifyInstance): void {
  // Node hands a CONNECT to this event, or else drops the connection without an answer.
  fastify.server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    writeError(
      socket,
      HttpStatus.NOT_IMPLEMENTED,
      'CONNECT is not supported: the service is no proxy.',
      requestIdOf(req),
    );
    socket.end();
  });
  fastify.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    (req as MarkedRequest)[EXPECTATION] = true;
    fastify.routing(req, res);
  });
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onRequest', async (request) => {
    if (closing) {
      throw ApiError.serviceUnavailable('The service is shutting down; send the request again.');
    }
    if ((request.raw as MarkedRequest)[EXPECTATION]) {
      throw ApiError.expectationFailed('The only expectation the service meets is 100-continue.', 'Expect');
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw ApiError.badRequest('An HTTP/1.1 request needs a Host header.', 'Host');
    }
  });
}
