import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { JobsModule } from '../jobs';
import { TabsModule } from '../tabs/tabs.module';
import {
  ContactChangeSequence,
  ContactChangeSequenceSchema,
  ContactTombstone,
  ContactTombstoneSchema,
} from './core/contact-change.schema';
import { ContactAddressClaim, ContactAddressClaimSchema } from './core/contact-address-claim.schema';
import { ContactAddressClaims } from './core/contact-address-claims';
import { ContactChangeLog } from './core/contact-changes';
import { ContactDeltaService } from './delta/contact-delta.service';
import { ContactExportService } from './transfer/contact-export.service';
import { ImportFileChunk, ImportFileChunkSchema } from './transfer/contact-import-file.schema';
import { ContactImportService } from './transfer/contact-import.service';
import { ContactTransferController } from './transfer/contact-transfer.controller';
import { ContactTransferStore } from './transfer/contact-transfer.store';
import { Contact, ContactSchema } from './core/contact.schema';
import { ContactsController, ContactSearchController } from './core/contacts.controller';
import { ContactsService } from './core/contacts.service';
import { NoStoreMiddleware } from './no-store.middleware';
import { BlobStorageModule } from '../blob-storage/blob-storage.module';
import { TenantCachesModule } from '../admin/tenant-caches';
import { ContactPhotosController } from './photo/contact-photos.controller';
import { ContactPhotosService } from './photo/contact-photos.service';
import { PhotoBlobs } from './photo/photo-blobs';
import { PhotoSweep } from './photo/photo-sweep';
import { tenantRepositoryFor } from '../common/persistence/tenant-repository.providers';

/** The contacts of the tabs: list, search, CRUD, favourites; keeps contacts consistent with their tab. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Contact.name, schema: ContactSchema },
      { name: ContactChangeSequence.name, schema: ContactChangeSequenceSchema },
      { name: ContactTombstone.name, schema: ContactTombstoneSchema },
      { name: ImportFileChunk.name, schema: ImportFileChunkSchema },
      { name: ContactAddressClaim.name, schema: ContactAddressClaimSchema },
    ]),
    TabsModule,
    JobsModule,
    BlobStorageModule,
    TenantCachesModule,
  ],
  controllers: [
    ContactsController,
    ContactSearchController,
    ContactTransferController,
    ContactPhotosController,
  ],
  providers: [
    ContactsService,
    ContactPhotosService,
    PhotoBlobs,
    PhotoSweep,
    ContactChangeLog,
    ContactDeltaService,
    ContactImportService,
    ContactExportService,
    ContactTransferStore,
    ContactAddressClaims,
    tenantRepositoryFor(Contact.name),
    tenantRepositoryFor(ContactChangeSequence.name),
    tenantRepositoryFor(ContactTombstone.name),
    tenantRepositoryFor(ImportFileChunk.name),
    tenantRepositoryFor(ContactAddressClaim.name),
  ],
  exports: [ContactsService],
})
export class ContactsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(NoStoreMiddleware)
      .forRoutes(
        ContactsController,
        ContactSearchController,
        ContactTransferController,
        ContactPhotosController,
      );
  }
}
