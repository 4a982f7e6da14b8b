import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AdminController } from './admin.controller';
import { TenantDataService } from './tenant-data.service';

/** Tenant administration: the purge of a tenant's data (offboarding). */
@Module({
  imports: [DiscoveryModule],
  controllers: [AdminController],
  providers: [TenantDataService],
  exports: [TenantDataService],
})
export class AdminModule {}
