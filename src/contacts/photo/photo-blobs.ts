import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TenantStores, type TenantStore } from '../../admin/tenant-caches';
import { BlobStorage, type BlobContent } from '../../blob-storage/blob-storage.service';
import type { ContactPhoto } from '../core/contact.schema';
import type { ProcessedPhoto } from './photo-processing';
import { randomUUID } from 'node:crypto';

/** The blob of the full picture, beside those named by size (`96x96`). */
const FULL = 'default';

/**
 * Blob names: `<tenantId>/<tabId>/<contactId>/<version>/<default|48x48|…>`. The tenant comes first, so a
 * tenant's photos are one prefix (the purge), then a tab's (its deletion), then a contact's; `version` is
 * fresh per upload, so a new photo is written beside the one the contact still points to.
 */
export function photoBlobPrefix(tenantId: string, tabId?: string, contactId?: string): string {
  return [tenantId, tabId, contactId].filter((part) => part !== undefined).join('/') + '/';
}

export function photoBlobName(
  tenantId: string,
  tabId: string,
  contactId: string,
  version: string,
  size?: number,
): string {
  return `${photoBlobPrefix(tenantId, tabId, contactId)}${version}/${size === undefined ? FULL : `${size}x${size}`}`;
}

/** The parts of a photo blob's name, or undefined for a name this service did not write. */
export function parsePhotoBlobName(
  name: string,
): { tenantId: string; tabId: string; contactId: string; version: string } | undefined {
  const parts = name.split('/');
  if (parts.length !== 5) return undefined;
  const [tenantId, tabId, contactId, version] = parts;
  return { tenantId, tabId, contactId, version };
}

/** Every blob a stored photo consists of. */
export function photoBlobNames(
  tenantId: string,
  tabId: string,
  contactId: string,
  photo: ContactPhoto,
): string[] {
  return [
    photoBlobName(tenantId, tabId, contactId, photo.version),
    ...photo.sizes.map((size) => photoBlobName(tenantId, tabId, contactId, photo.version, size)),
  ];
}

/** A photo's blobs, written and not yet pointed to by its contact. */
export interface WrittenPhoto {
  photo: ContactPhoto;
  names: string[];
}

/**
 * The photo blobs of contacts. The write order that keeps a contact from ever pointing at nothing:
 * blobs are written first (under a fresh version), the contact is then pointed to them, and blobs are
 * removed only after no contact points to them. A removal that fails leaves orphans, which the sweep
 * removes; it never fails the write that made them orphans.
 */
@Injectable()
export class PhotoBlobs implements TenantStore, OnModuleInit {
  private readonly logger = new Logger('ContactPhotos');

  constructor(
    private readonly storage: BlobStorage,
    private readonly tenantStores: TenantStores,
  ) {}

  /** The tenant purge removes the tenant's photos. */
  onModuleInit(): void {
    this.tenantStores.plug(this);
  }

  async purgeTenant(tenantId: string): Promise<Record<string, number>> {
    if (!this.storage.enabled) return {};
    return { contactPhotos: await this.storage.deletePrefix(photoBlobPrefix(tenantId)) };
  }

  get enabled(): boolean {
    return this.storage.enabled;
  }

  read(name: string): Promise<BlobContent | null> {
    return this.storage.download(name);
  }

  /** Writes every blob of a processed photo; on a failure, removes those already written. */
  async write(
    tenantId: string,
    tabId: string,
    contactId: string,
    processed: ProcessedPhoto,
  ): Promise<WrittenPhoto> {
    const photo: ContactPhoto = {
      version: randomUUID(),
      contentType: processed.contentType,
      width: processed.width,
      height: processed.height,
      sizes: processed.sizes.map((entry) => entry.size),
    };
    const names = photoBlobNames(tenantId, tabId, contactId, photo);
    const contents = [processed.data, ...processed.sizes.map((entry) => entry.data)];
    try {
      await Promise.all(
        names.map((name, index) => this.storage.upload(name, contents[index], photo.contentType)),
      );
    } catch (error) {
      await this.discard(names);
      throw error;
    }
    return { photo, names };
  }

  /** Removes blobs no contact points to (any more, or never did); a failure is left to the sweep. */
  async discard(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.storage.delete(names).catch((error: Error) => {
      this.logger.warn(`photo blobs left for the sweep: ${error.message}`);
    });
  }

  /** After a contact with a photo is deleted: every photo blob of it (one being uploaded meanwhile too). */
  async removeContact(tenantId: string, tabId: string, contactId: string): Promise<void> {
    await this.removePrefix(photoBlobPrefix(tenantId, tabId, contactId));
  }

  /** After a tab's contacts are deleted. */
  async removeTab(tenantId: string, tabId: string): Promise<void> {
    await this.removePrefix(photoBlobPrefix(tenantId, tabId));
  }

  private async removePrefix(prefix: string): Promise<void> {
    if (!this.storage.enabled) return;
    await this.storage.deletePrefix(prefix).catch((error: Error) => {
      this.logger.warn(`photo blobs under ${prefix} left for the sweep: ${error.message}`);
    });
  }
}
