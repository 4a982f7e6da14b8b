import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Logger as PinoLogger } from 'pino';
import { AppModule, ModuleImports } from './app.module';
import { createRootLogger, NestPinoLogger } from './common/logger';
import { clientRequestId, requestIdOf } from './common/request-id';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
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
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Fastify's two lines per request are replaced by the one line of the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    requestIdHeader: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 500 },
  });
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
  // JSON only: a text/plain body would otherwise reach the handlers as a string.
  fastify.removeContentTypeParser('text/plain');
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('request-id', request.id);
    const clientId = clientRequestId(request.raw);
    if (clientId) void reply.header('client-request-id', clientId);
  });
  // One line per request; probes only at debug level, or they would flood the logs.
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

  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  setupOpenApi(app);
  return app;
}
