import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { TabsModule } from '../tabs/tabs.module';
import { Contact, ContactSchema } from './contact.schema';
import { ContactsController, ContactSearchController } from './contacts.controller';
import { ContactsService } from './contacts.service';
import { NoStoreMiddleware } from './no-store.middleware';

/** The contacts of the tabs: list, search, CRUD, favourites; keeps contacts consistent with their tab. */
@Module({
  imports: [MongooseModule.forFeature([{ name: Contact.name, schema: ContactSchema }]), TabsModule],
  controllers: [ContactsController, ContactSearchController],
  providers: [ContactsService],
  exports: [ContactsService],
})
export class ContactsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(NoStoreMiddleware).forRoutes(ContactsController, ContactSearchController);
  }
}
