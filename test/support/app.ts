import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { createApp } from '../../src/app.factory';
import type { ModuleImports } from '../../src/app.module';
import { loadConfig } from '../../src/config/load-config';
import { testDatabaseName, testMongoUri } from './database';

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL of the listening server (loopback, random port). */
  url: string;
  dbName: string;
  /** The blob container of this app's photos. */
  container: string;
  close(): Promise<void>;
}

/**
 * Boots the real service (same factory as main.ts) on a loopback port, against the test database server,
 * in a database of its own. `env` overrides settings the way the environment would.
 */
export async function startTestApp(
  label: string,
  env: Record<string, string> = {},
  imports: ModuleImports = [],
  options: { logger?: pino.Logger } = {},
): Promise<TestApp> {
  const dbName = env.MONGODB_DB_NAME ?? testDatabaseName(label);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MONGODB_URI: testMongoUri(),
    MONGODB_DB_NAME: dbName,
    // The run's blob emulator (global-setup.ts), in a container of this file's own.
    AZURE_STORAGE_CONNECTION_STRING: process.env.AZURE_STORAGE_CONNECTION_STRING,
    AZURE_STORAGE_CONTAINER: testContainerName(dbName),
    ...env,
  });
  const app = await createApp(config, {
    logger: options.logger ?? pino({ level: config.logLevel }),
    imports,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    dbName,
    container: config.photos.container,
    close: () => app.close(),
  };
}

/** A blob container name from a test database name (`t_label_hex` → `t-label-hex`). */
export function testContainerName(dbName: string): string {
  return dbName.toLowerCase().replace(/_/g, '-').slice(0, 63);
}
