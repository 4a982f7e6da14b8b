import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';

/**
 * Creates every index the feature schemas declare, once at start and before the service takes traffic
 * (mongoose's autoIndex would do it in the background, unawaited). createIndexes is idempotent.
 */
@Injectable()
export class DatabaseIndexes implements OnApplicationBootstrap {
  private readonly logger = new Logger(DatabaseIndexes.name);

  constructor(@InjectConnection() private readonly connection: Connection) {}

  async onApplicationBootstrap(): Promise<void> {
    const models = Object.values(this.connection.models);
    for (const model of models) {
      await model.createCollection().catch((error: { codeName?: string }) => {
        if (error.codeName !== 'NamespaceExists') throw error;
      });
      await model.createIndexes();
    }
    if (models.length > 0) this.logger.log(`indexes ensured for ${models.length} collections`);
  }
}
