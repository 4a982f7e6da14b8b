import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TabsModule } from '../tabs/tabs.module';
import {
  ContactChangeSequence,
  ContactChangeSequenceSchema,
  ContactTombstone,
  ContactTombstoneSchema,
} from './contact-change.schema';
import { ContactChangeLog } from './contact-changes';
import { ContactDeltaService } from './contact-delta.service';
import { Contact, ContactSchema } from './contact.schema';
import { ContactsController, ContactSearchController } from './contacts.controller';
import { ContactsService } from './contacts.service';
import { NoStoreMiddleware } from './no-store.middleware';

/** The contacts of the tabs: list, search, CRUD, favourites; keeps contacts consistent with their tab. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Contact.name, schema: ContactSchema },
      { name: ContactChangeSequence.name, schema: ContactChangeSequenceSchema },
      { name: ContactTombstone.name, schema: ContactTombstoneSchema },
    ]),
    TabsModule,
  ],
  controllers: [ContactsController, ContactSearchController],
  providers: [ContactsService, ContactChangeLog, ContactDeltaService],
  exports: [ContactsService],
})
export class ContactsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(NoStoreMiddleware).forRoutes(ContactsController, ContactSearchController);
  }
}
