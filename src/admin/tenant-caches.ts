import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { ExtensionPoint } from '../common/extension-point';
import { CacheInvalidation } from '../shared-state/cache-invalidation';

/** A provider that keeps something of tenants in memory (a cache) and can drop one tenant's. */
export interface TenantCache {
  forgetTenant(tenantId: string): void | Promise<void>;
}

/**
 * Where the modules that cache tenant data plug their caches in; the tenant purge empties them, in this
 * instance and (announced through CacheInvalidation) in every other.
 */
@Injectable()
export class TenantCaches extends ExtensionPoint<TenantCache> implements TenantCache, OnModuleInit {
  constructor(private readonly invalidation: CacheInvalidation) {
    super();
  }

  onModuleInit(): void {
    this.invalidation.subscribe('tenant', (tenantId) => {
      if (tenantId !== undefined) void this.forgetHere(tenantId);
    });
  }

  async forgetTenant(tenantId: string): Promise<void> {
    await this.forgetHere(tenantId);
    await this.invalidation.announce('tenant', tenantId);
  }

  private async forgetHere(tenantId: string): Promise<void> {
    for (const cache of this.plugged) await cache.forgetTenant(tenantId);
  }
}

/** A store outside the database that holds tenant data (blobs): the purge empties it of one tenant. */
export interface TenantStore {
  /** Removes the tenant's data; answers what was removed, by kind (`contactPhotos: 12`). */
  purgeTenant(tenantId: string): Promise<Record<string, number>>;
}

/** Where modules that keep tenant data outside the database plug their stores in. */
@Injectable()
export class TenantStores extends ExtensionPoint<TenantStore> implements TenantStore {
  async purgeTenant(tenantId: string): Promise<Record<string, number>> {
    const removed: Record<string, number> = {};
    for (const store of this.plugged) Object.assign(removed, await store.purgeTenant(tenantId));
    return removed;
  }
}

/**
 * What the tenant purge asks of the other modules: they import this module (not the admin module, whose
 * routes stay where they are) and plug their caches into {@link TenantCaches}, their stores outside the
 * database into {@link TenantStores}.
 */
@Module({ providers: [TenantCaches, TenantStores], exports: [TenantCaches, TenantStores] })
export class TenantCachesModule {}
