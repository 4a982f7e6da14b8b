import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TenantCachesModule } from '../admin/tenant-caches';
import { ChannelsModule } from '../channels/channels.module';
import { Tab, TabSchema } from './tab.schema';
import { TabsController } from './tabs.controller';
import { TabContentStores } from './tab-content-stores';
import { TabsService } from './tabs.service';
import { tenantRepositoryFor } from '../common/persistence/tenant-repository.providers';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: Tab.name, schema: TabSchema }]),
    ChannelsModule,
    TenantCachesModule,
  ],
  controllers: [TabsController],
  providers: [TabsService, TabContentStores, tenantRepositoryFor(Tab.name)],
  exports: [TabsService, TabContentStores],
})
export class TabsModule {}
