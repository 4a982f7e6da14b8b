import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { Channel, ChannelSchema } from './channel.schema';
import { ChannelsController } from './channels.controller';
import { ChannelHolders } from './channel-holders';
import { ChannelsService } from './channels.service';
import { tenantRepositoryFor } from '../common/persistence/tenant-repository.providers';

@Module({
  imports: [MongooseModule.forFeature([{ name: Channel.name, schema: ChannelSchema }])],
  controllers: [ChannelsController],
  providers: [ChannelsService, ChannelHolders, tenantRepositoryFor(Channel.name)],
  exports: [ChannelsService, ChannelHolders],
})
export class ChannelsModule {}
