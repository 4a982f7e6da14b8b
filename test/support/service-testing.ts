import { Test, type TestingModule } from '@nestjs/testing';
import type { Provider } from '@nestjs/common';
import { TenantCaches } from '../../src/admin/tenant-caches';
import { ApiError } from '../../src/common/errors/api-error';
import type { AuthenticatedUser } from '../../src/auth';
import { ChannelHolders } from '../../src/channels/channel-holders';
import { Channel } from '../../src/channels/channel.schema';
import { ChannelsService } from '../../src/channels/channels.service';
import { tenantRepositoryToken } from '../../src/common/persistence/tenant-repository.providers';
import { AppConfig } from '../../src/config/app-config';
import { CacheInvalidation } from '../../src/shared-state/cache-invalidation';
import { SharedRedis } from '../../src/shared-state/shared-redis';
import { Tab } from '../../src/tabs/tab.schema';
import { TabContentStores } from '../../src/tabs/tab-content-stores';
import { TabsService } from '../../src/tabs/tabs.service';
import { InMemoryTenantRepository } from './in-memory-tenant-repository';

/** Builds for unit tests of services: the tabs module's rules over in-memory repositories. */

export const TENANT = '11111111-1111-4111-8111-111111111111';
export const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';
export const CHANNEL = '19:general@thread.tacv2';

export function userOf(
  userId: string,
  options: { isAdmin?: boolean; tenantId?: string } = {},
): AuthenticatedUser {
  return {
    tenantId: options.tenantId ?? TENANT,
    userId,
    displayName: `User ${userId}`,
    isAdmin: options.isAdmin ?? false,
  };
}

export const TEST_CONFIG = {
  pagingTokenSecret: 'unit-test-paging-secret-of-32-chars!',
  jobs: { leaseMs: 60_000, pollIntervalMs: 3_600_000, maxAttempts: 3 },
  // Photos off: no blob storage in unit tests.
  photos: { container: 'contact-photos', timeoutMs: 1000, sweepIntervalSeconds: 0, sweepGraceSeconds: 0 },
} as AppConfig;

/** The repository of a model name, under the token services inject it with. */
export function repositoryProvider(modelName: string, repository: InMemoryTenantRepository<any>): Provider {
  return { provide: tenantRepositoryToken(modelName), useValue: repository };
}

/**
 * TabsService and what it needs, tabs and channels in memory; `providers` adds the service under test.
 * The module is initialized (extension points plugged) unless `init: false`.
 */
export async function tabsTestingModule(
  providers: Provider[] = [],
  options: { init?: boolean } = {},
): Promise<{
  module: TestingModule;
  tabs: InMemoryTenantRepository<Tab>;
  channels: InMemoryTenantRepository<Channel>;
}> {
  const tabs = new InMemoryTenantRepository<Tab>();
  const channels = new InMemoryTenantRepository<Channel>();
  const module = await Test.createTestingModule({
    providers: [
      TabsService,
      ChannelsService,
      ChannelHolders,
      TabContentStores,
      TenantCaches,
      SharedRedis,
      CacheInvalidation,
      { provide: AppConfig, useValue: TEST_CONFIG },
      repositoryProvider(Tab.name, tabs),
      repositoryProvider(Channel.name, channels),
      ...providers,
    ],
  }).compile();
  if (options.init ?? true) await module.init();
  return { module, tabs, channels };
}

/** The ApiError a call is refused with (the test fails when it is not refused with one). */
export async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}
