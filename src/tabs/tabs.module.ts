import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ChannelsModule } from '../channels/channels.module';
import { Tab, TabSchema } from './tab.schema';
import { TabsController } from './tabs.controller';
import { TabsService } from './tabs.service';
import { tenantRepositoryFor } from '../common/tenant-repository.providers';

@Module({
  imports: [MongooseModule.forFeature([{ name: Tab.name, schema: TabSchema }]), ChannelsModule],
  controllers: [TabsController],
  providers: [TabsService, tenantRepositoryFor(Tab.name)],
  exports: [TabsService],
})
export class TabsModule {}
