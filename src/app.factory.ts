import type { FastifyCorsOptions } from '@fastify/cors';
import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, LogController } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage } from 'node:http';
import type { Logger as PinoLogger } from 'pino';
import { AppModule, ModuleImports } from './app.module';
import { ApiError } from './common/errors/api-error';
import { applyRouteBodyLimits, useImageBodyParser } from './common/http/body-limit';
import { toErrorResponse } from './common/errors/error-response';
import { useBoundedJsonParser } from './common/http/json-bounds';
import { keyParenthesesRewriter } from './common/http/key-parentheses';
import { createRootLogger, NestPinoLogger } from './common/logger';
import { refuseUndeclaredMethods } from './common/http/method-not-allowed';
import { answerProtocolErrorsInErrorBody, clientErrorHandler } from './common/errors/protocol-errors';
import { applyRequestTimeout } from './common/http/request-timeout';
import { clientRequestId, requestIdOf } from './common/http/request-id';
import { createValidationPipe } from './common/validation/dto-validation';
import { AppConfig } from './config/app-config';
import { trackInFlightRequests } from './health/graceful-shutdown';
import { setupOpenApi } from './openapi';

export interface CreateAppOptions {
  /** Build the module graph without instantiating providers (no database): used to write the OpenAPI document. */
  preview?: boolean;
  logger?: PinoLogger;
  /** Extra modules mounted beside the product's (tests mount probe routes this way). */
  imports?: ModuleImports;
}

/** Builds the whole service (adapter, logging, errors, validation, Swagger) without listening. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = options.logger ?? createRootLogger(config.logLevel);
  const keyParentheses = keyParenthesesRewriter();
  const adapter = fastifyAdapter(config, logger, keyParentheses.rewriteUrl);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.imports),
    adapter,
    {
      logger: new NestPinoLogger(logger),
      preview: options.preview ?? false,
      abortOnError: false,
      // Only JSON bodies: Fastify's own JSON parser stays, Nest's form-urlencoded parser is never added.
      bodyParser: false,
    },
  );

  const fastify = app.getHttpAdapter().getInstance();
  boundRequests(fastify, config.hardening);
  // Uploads (contact imports): one file, bounded; the handlers read it as a stream.
  await app.register(multipart, {
    limits: { fileSize: config.transfer.maxFileBytes, files: 1, fields: 10, fieldSize: 64 * 1024, parts: 11 },
    throwFileSizeLimit: true,
  });
  // Hooks of one kind run in the order they are added: keep this order.
  addSecurityHeaders(fastify);
  addRequestIdHeaders(fastify);
  answerProtocolErrorsInErrorBody(fastify);
  keyParentheses.register(fastify);
  refuseUndeclaredMethods(fastify);
  app.enableCors(corsOptions(config.hardening.corsOrigins));
  logEachRequest(fastify);

  app.useGlobalPipes(createValidationPipe());
  // No enableShutdownHooks(): main.ts shuts down on signals itself (readiness first, then draining,
  // exit 0), see src/health/graceful-shutdown.ts.
  setupOpenApi(app);
  return app;
}

function fastifyAdapter(
  config: AppConfig,
  logger: PinoLogger,
  rewriteUrl: (req: IncomingMessage) => string,
): FastifyAdapter {
  return new FastifyAdapter({
    loggerInstance: logger,
    // Fastify's two lines per request are replaced by the one line of logEachRequest.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    requestIdHeader: false,
    // The 503 while closing, a missing Host and a parser error get the error body (protocol-errors.ts).
    return503OnClosing: false,
    http: { requireHostHeader: false },
    clientErrorHandler,
    rewriteUrl,
    routerOptions: { maxParamLength: 500 },
    trustProxy: config.hardening.trustProxy,
    frameworkErrors: answerRefusedUrl,
  });
}

/**
 * URLs the router refuses before any hook (bad percent-encoding, a parameter past maxParamLength):
 * the standard error body, never Fastify's text that echoes the path.
 */
function answerRefusedUrl(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  const message =
    status === 414 ? 'A path segment of the URL is too long.' : 'The URL is not valid (bad encoding).';
  const response = toErrorResponse(ApiError.of(status, message), requestIdOf(request.raw));
  void reply.status(response.status).header('request-id', request.id).send(response.body);
}

/** Which bodies are read and how big, how long a request may take, and which are still in flight. */
function boundRequests(fastify: FastifyInstance, hardening: AppConfig['hardening']): void {
  // JSON only: a text/plain body would otherwise reach the handlers as a string.
  fastify.removeContentTypeParser('text/plain');
  useBoundedJsonParser(fastify, hardening.json);
  useImageBodyParser(fastify);
  applyRouteBodyLimits(fastify, hardening.uploadBodyLimitBytes);
  applyRequestTimeout(fastify, hardening.requestTimeoutMs);
  trackInFlightRequests(fastify);
}

/**
 * Security headers from one helmet middleware built here: @fastify/helmet builds it again for every
 * request (parsing the policy each time), 2.6 % of the service's CPU on a read by id.
 */
function addSecurityHeaders(fastify: FastifyInstance): void {
  const securityHeaders = helmet({
    // Swagger UI (/docs) loads its own scripts and uses inline styles; nothing else is a page.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  fastify.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, () => done()),
  );
}

/**
 * On sending, so that answers given by hooks (CORS preflights, the refusals of protocol errors, malformed
 * keys and undeclared methods) carry them too.
 */
function addRequestIdHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    void reply.header('request-id', request.id);
    const clientId = clientRequestId(request.raw);
    if (clientId) void reply.header('client-request-id', clientId);
    return payload;
  });
}

/** One line per request; probes only at debug level, or they would flood the logs. */
function logEachRequest(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const level = route.startsWith('/health/') ? 'debug' : 'info';
    request.log[level](
      {
        method: request.method,
        route,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });
}

/** An allow-list entry `https://*.example.com` admits the subdomains of example.com, and only those. */
export function originAllowed(origin: string, allowList: readonly string[]): boolean {
  const candidate = origin.toLowerCase();
  return allowList.some((allowed) => {
    if (!allowed.includes('*.')) return candidate === allowed;
    const [scheme, suffix] = allowed.split('*.');
    return (
      candidate.startsWith(scheme) &&
      candidate.endsWith(`.${suffix}`) &&
      /^[a-z0-9.-]+$/.test(candidate.slice(scheme.length, -suffix.length - 1))
    );
  });
}

/** Browsers may call from the allowed origins only; the headers clients need to read are exposed. */
function corsOptions(allowList: readonly string[]): FastifyCorsOptions {
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && originAllowed(origin, allowList)),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    // An OPTIONS from an allowed origin is answered as a preflight, never with the plugin's text 400.
    strictPreflight: false,
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'If-Match',
      'If-None-Match',
      'client-request-id',
      'X-Confirm-Tenant-Id',
    ],
    exposedHeaders: ['ETag', 'Location', 'Retry-After', 'request-id', 'client-request-id'],
    maxAge: 600,
  };
}
