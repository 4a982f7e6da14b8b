import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { isTenantScoped, MongooseTenantRepository, type TenantOwned } from '../common/tenant-scope';
import type { TenantDataPurgeDto } from './dto/tenant-data-purge.dto';
import { GLOBAL_MODELS } from './global-models';

/** A provider that keeps something of tenants in memory (a cache) and can drop one tenant's. */
interface TenantMemory {
  forgetTenant(tenantId: string): void | Promise<void>;
}

function holdsTenantMemory(instance: unknown): instance is TenantMemory {
  return (
    typeof instance === 'object' &&
    instance !== null &&
    typeof (instance as Partial<TenantMemory>).forgetTenant === 'function'
  );
}

/**
 * Purges a tenant, generically: every model registered on the connection whose schema is tenant-scoped
 * loses the tenant's documents (`deleteMany` through the tenant repository, so only that tenant's), and
 * every provider with a `forgetTenant(tenantId)` method drops what it caches of the tenant. Collections
 * and caches added later are covered without a change here.
 */
@Injectable()
export class TenantDataService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Admin');
  private memories: TenantMemory[] = [];

  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly discovery: DiscoveryService,
  ) {}

  onApplicationBootstrap(): void {
    const instances = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter(holdsTenantMemory);
    // A provider registered under two tokens (useExisting) is one instance.
    this.memories = [...new Set(instances)];
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
    // After the deletes: a request racing the purge cannot refill a cache from documents still there.
    for (const memory of this.memories) await memory.forgetTenant(tenantId);
    const sorted = Object.fromEntries(
      Object.entries(deletedDocuments).sort(([a], [b]) => a.localeCompare(b)),
    );
    const totalDeleted = Object.values(sorted).reduce((sum, count) => sum + count, 0);
    this.logger.warn({ msg: 'tenant data purged', tenantId, totalDeleted });
    return { tenantId, deletedDocuments: sorted, totalDeleted };
  }
}
