import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { BlobStorage } from '../../blob-storage/blob-storage.service';
import { InjectTenantRepository } from '../../common/persistence/tenant-repository.providers';
import type { TenantRepository } from '../../common/persistence/tenant-scope';
import { AppConfig } from '../../config/app-config';
import { Contact } from '../core/contact.schema';
import { parsePhotoBlobName } from './photo-blobs';

/**
 * Removes photo blobs no contact points to: those of a write that failed between its two steps (blobs
 * written, contact not updated), or of a removal that the storage did not answer. Blobs younger than
 * PHOTO_SWEEP_GRACE_SECONDS are left alone, so an upload in flight (blobs written, contact not yet
 * pointed to them) is never swept. Runs every PHOTO_SWEEP_INTERVAL_SECONDS in each instance; a sweep is
 * idempotent, so instances sweeping together only repeat each other's work.
 */
@Injectable()
export class PhotoSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ContactPhotos');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly storage: BlobStorage,
    private readonly config: AppConfig,
    @InjectTenantRepository(Contact.name) private readonly contacts: TenantRepository<Contact>,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.photos.sweepIntervalSeconds;
    if (!this.storage.enabled || seconds === 0) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: Error) => this.logger.warn(`photo sweep failed: ${error.message}`));
    }, seconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass over the container; answers how many blobs it removed. */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = now.getTime() - this.config.photos.sweepGraceSeconds * 1000;
    let removed = 0;
    for await (const page of this.storage.pages()) {
      const orphans: string[] = [];
      const versions = new Map<string, Promise<string | undefined>>();
      for (const entry of page) {
        const parts = parsePhotoBlobName(entry.name);
        if (!parts || entry.lastModified.getTime() > cutoff) continue;
        const key = `${parts.tenantId}/${parts.tabId}/${parts.contactId}`;
        if (!versions.has(key))
          versions.set(key, this.currentVersion(parts.tenantId, parts.tabId, parts.contactId));
        if ((await versions.get(key)) !== parts.version) orphans.push(entry.name);
      }
      if (orphans.length) await this.storage.delete(orphans);
      removed += orphans.length;
    }
    if (removed) this.logger.log({ msg: 'orphan photo blobs removed', removed });
    return removed;
  }

  private async currentVersion(
    tenantId: string,
    tabId: string,
    contactId: string,
  ): Promise<string | undefined> {
    const contact = await this.contacts.forTenant(tenantId).findOne({ tabId, _id: contactId }, { photo: 1 });
    return contact?.photo?.version;
  }
}
