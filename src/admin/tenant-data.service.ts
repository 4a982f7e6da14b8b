import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import {
  isTenantScoped,
  MongooseTenantRepository,
  type TenantOwned,
} from '../common/persistence/tenant-scope';
import type { TenantDataPurgeDto } from './dto/tenant-data-purge.dto';
import { GLOBAL_MODELS } from './global-models';
import { TenantCaches, TenantStores } from './tenant-caches';

/**
 * Purges a tenant, generically: every model registered on the connection whose schema is tenant-scoped
 * loses the tenant's documents (`deleteMany` through the tenant repository, so only that tenant's), and
 * every store plugged into {@link TenantStores} (blobs) removes the tenant's data, and every cache plugged
 * into {@link TenantCaches} drops what it holds of the tenant. Collections added later
 * are covered without a change here; a new cache plugs itself in.
 */
@Injectable()
export class TenantDataService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Admin');

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly caches: TenantCaches,
    private readonly stores: TenantStores,
  ) {}

  onApplicationBootstrap(): void {
    const unscoped = this.unscopedModels();
    if (unscoped.length > 0) {
      this.logger.error(
        `models neither tenant-scoped nor listed as global (the tenant purge skips them): ${unscoped.join(', ')}`,
      );
    }
  }

  /** Names of models that are neither tenant-scoped nor declared global (should be none). */
  unscopedModels(): string[] {
    return Object.values(this.connection.models)
      .filter((model) => !isTenantScoped(model.schema) && !GLOBAL_MODELS.has(model.modelName))
      .map((model) => model.modelName);
  }

  async purge(tenantId: string): Promise<TenantDataPurgeDto> {
    const deletedDocuments: Record<string, number> = {};
    const models = Object.values(this.connection.models).filter((model) => isTenantScoped(model.schema));
    for (const model of models) {
      const repository = new MongooseTenantRepository<TenantOwned>(model);
      const deleted = await repository.forTenant(tenantId).deleteMany();
      const collection = model.collection.collectionName;
      deletedDocuments[collection] = (deletedDocuments[collection] ?? 0) + deleted;
    }
    // After the documents: no document points to a blob removed here. A storage that does not answer
    // fails the purge (503); it is safe to repeat.
    const deletedBlobs = await this.stores.purgeTenant(tenantId);
    // After the deletes: a request racing the purge cannot refill a cache from documents still there.
    await this.caches.forgetTenant(tenantId);
    const sorted = Object.fromEntries(
      Object.entries(deletedDocuments).sort(([a], [b]) => a.localeCompare(b)),
    );
    const totalDeleted = Object.values(sorted).reduce((sum, count) => sum + count, 0);
    this.logger.warn({ msg: 'tenant data purged', tenantId, totalDeleted });
    return { tenantId, deletedDocuments: sorted, totalDeleted, deletedBlobs };
  }
}
