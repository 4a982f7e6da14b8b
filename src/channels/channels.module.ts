import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { Channel, ChannelSchema } from './channel.schema';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';
import { tenantRepositoryFor } from '../common/tenant-repository.providers';

@Module({
  imports: [MongooseModule.forFeature([{ name: Channel.name, schema: ChannelSchema }])],
  controllers: [ChannelsController],
  providers: [ChannelsService, tenantRepositoryFor(Channel.name)],
  exports: [ChannelsService],
})
export class ChannelsModule {}
