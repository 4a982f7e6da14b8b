import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { DatabaseEngine } from './database-engine';
import { DatabaseIndexes } from './database-indexes';
import { DatabaseWatchdog } from './database-watchdog';
import { applyRetryPolicy } from './database-retry';

/**
 * The mongoose connection. Commands are never buffered: with the database unreachable a request fails
 * after `MONGODB_TIMEOUT_MS` (server selection) and the error filter answers 503; the driver keeps
 * monitoring the server and reconnects by itself. Transient faults of one operation are retried
 * (database-retry.ts); when retries are spent the caller gets 503 with Retry-After.
 */
@Module({
  imports: [
    MongooseModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        uri: config.mongodbUri,
        dbName: config.mongodbDbName,
        bufferCommands: false,
        autoIndex: false,
        autoCreate: false,
        serverSelectionTimeoutMS: config.mongodbTimeoutMs,
        connectTimeoutMS: config.mongodbTimeoutMs,
        heartbeatFrequencyMS: 2000,
        maxPoolSize: 50,
        appName: 'contact-pro-api',
        // Command events feed the MongoDB dependencies of telemetry; without it the driver skips them.
        monitorCommands: config.applicationInsightsConnectionString !== undefined,
        retryAttempts: 5,
        retryDelay: 2000,
        // Transient faults of single operations: bounded retries with back-off (database-retry.ts).
        connectionFactory: (connection: Connection) => {
          // mongoose otherwise records a stack trace on every query, only to name it if the query ran twice:
          // 6 % of the service's CPU on a read by id.
          connection.base.set('skipOriginalStackTraces', true);
          return applyRetryPolicy(connection, config.hardening.databaseRetry);
        },
      }),
    }),
  ],
  providers: [DatabaseIndexes, DatabaseEngine, DatabaseWatchdog],
  exports: [DatabaseEngine],
})
export class DatabaseModule {}
