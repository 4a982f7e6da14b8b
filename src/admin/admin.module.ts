import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { TenantCachesModule } from './tenant-caches';
import { TenantDataService } from './tenant-data.service';

/** Tenant administration: the purge of a tenant's data (offboarding). */
@Module({
  imports: [TenantCachesModule],
  controllers: [AdminController],
  providers: [TenantDataService],
  exports: [TenantDataService],
})
export class AdminModule {}
