import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectConnection } from '@nestjs/mongoose';
import type { TelemetryClient } from 'applicationinsights';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CommandFailedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';
import type { Connection } from 'mongoose';
import { AsyncLocalStorage } from 'node:async_hooks';
import { AppConfig } from '../config/app-config';
import { createTelemetryClient } from './telemetry-client';
import { dependencyItem, exceptionItem, Operation, operationOf, requestItem } from './telemetry-items';

/** Shutdown never waits longer than this for the ingestion endpoint. */
export const FLUSH_TIMEOUT_MS = 3000;

/**
 * Application Insights: requests (Fastify hooks), MongoDB dependencies (driver command monitoring) and
 * unexpected exceptions (the error filter), each with the request id as operation id.
 *
 * Without a connection string nothing happens at all: the SDK is not loaded, no hook, listener, timer or
 * AsyncLocalStorage is created, and every method is a no-op.
 */
@Injectable()
export class Telemetry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(Telemetry.name);
  private telemetryClient?: TelemetryClient;
  private detachMongo?: () => void;

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @InjectConnection() private readonly connection?: Connection,
  ) {}

  /** The SDK client, undefined while telemetry is off. */
  get client(): TelemetryClient | undefined {
    return this.telemetryClient;
  }

  /** Runs before the server listens, so the hooks below still apply to every route. */
  async onModuleInit(): Promise<void> {
    const connectionString = this.config.applicationInsightsConnectionString;
    if (!connectionString) return;
    const client = await createTelemetryClient(connectionString);
    this.telemetryClient = client;
    const operations = new AsyncLocalStorage<Operation>();
    this.attachHttp(client, operations, this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
    if (this.connection) this.detachMongo = attachMongo(client, operations, this.connection.getClient());
    this.logger.log('Application Insights telemetry is on');
  }

  /** An unexpected error (the error filter reports it), tied to the request that hit it. */
  trackException(exception: unknown, request: FastifyRequest): void {
    this.telemetryClient?.trackException(exceptionItem(exception, operationOf(request)));
  }

  /** Sends whatever is buffered now; resolves once the endpoint answered, or after FLUSH_TIMEOUT_MS. */
  async flush(): Promise<void> {
    const client = this.telemetryClient;
    if (!client) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
      client.flush({
        callback: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.detachMongo?.();
    this.detachMongo = undefined;
    await this.flush();
  }

  private attachHttp(
    client: TelemetryClient,
    operations: AsyncLocalStorage<Operation>,
    fastify: FastifyInstance,
  ): void {
    // Everything the request causes (guards, handler, driver commands) runs inside its operation.
    fastify.addHook('onRequest', (request, _reply, done) => operations.run(operationOf(request), done));
    fastify.addHook('onResponse', (request, reply, done) => {
      client.trackRequest(requestItem(request, reply));
      done();
    });
  }
}

/**
 * Turns driver command events into dependencies. Their operation comes from the AsyncLocalStorage:
 * the driver awaits each reply inside the caller's async context, so succeeded and failed events see the
 * request that issued the command (checked with concurrent requests, driver 6.20). Commands outside any
 * request (index bootstrap, background work) are sent without an operation.
 */
function attachMongo(
  client: TelemetryClient,
  operations: AsyncLocalStorage<Operation>,
  mongo: MongoClient,
): () => void {
  const track = (event: CommandSucceededEvent | CommandFailedEvent): void =>
    client.trackDependency(dependencyItem(event, operations.getStore()));
  mongo.on('commandSucceeded', track);
  mongo.on('commandFailed', track);
  return () => {
    mongo.off('commandSucceeded', track);
    mongo.off('commandFailed', track);
  };
}
