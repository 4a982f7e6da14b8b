import { Injectable } from '@nestjs/common';
import { userReferenceOf, type AuthenticatedUser } from '../../auth';
import { ApiError } from '../../common/errors/api-error';
import { preconditionFailed, versionFromIfMatch } from '../../common/http/etag';
import { InjectTenantRepository } from '../../common/persistence/tenant-repository.providers';
import type { TenantRepository, TenantScope } from '../../common/persistence/tenant-scope';
import type { Tab } from '../../tabs/tab.schema';
import { TabsService } from '../../tabs/tabs.service';
import { ContactChangeLog } from '../core/contact-changes';
import { contactNotFound } from '../core/contact-id.pipe';
import { photoEtagOf, toPhotoResource, type PhotoResource } from '../core/contact-mapping';
import { Contact, type ContactPhoto } from '../core/contact.schema';
import { photoBlobName, photoBlobNames, PhotoBlobs } from './photo-blobs';
import { PHOTO_MEDIA_TYPES, PHOTO_SIZES, processPhoto } from './photo-processing';

/** Attempts of a write without If-Match that keeps losing the race with other writers. */
const WRITE_ATTEMPTS = 5;
const SIZE = /^([1-9]\d{1,2})x\1$/;

/** The bytes of a photo (or of one of its sizes), as `…/$value` sends them. */
export interface PhotoContent {
  data: Buffer;
  contentType: string;
  etag: string;
}

function noPhoto(): ApiError {
  return ApiError.notFound('The contact has no photo.', 'photo');
}

/** The square side named by `48x48` and the like, or a 404 for a size Microsoft Graph does not have. */
export function photoSizeOf(text: string): number {
  const match = SIZE.exec(text);
  const side = match ? Number(match[1]) : NaN;
  if (!(PHOTO_SIZES as readonly number[]).includes(side)) {
    throw ApiError.notFound(
      `No photo size '${text}': the sizes are ${PHOTO_SIZES.map((s) => `${s}x${s}`).join(', ')}.`,
      'size',
    );
  }
  return side;
}

/**
 * Contact photos (Microsoft Graph's profilePhoto). Reading follows the tab (anyone in the tenant), writing
 * its contact editors. An upload is checked and processed entirely before anything is stored; its blobs are
 * written, then the contact is pointed to them by a conditional update (a new version, so delta sync shows
 * the change), then the previous photo's blobs are removed.
 */
@Injectable()
export class ContactPhotosService {
  constructor(
    @InjectTenantRepository(Contact.name) private readonly contacts: TenantRepository<Contact>,
    private readonly tabs: TabsService,
    private readonly changes: ContactChangeLog,
    private readonly blobs: PhotoBlobs,
  ) {}

  async metadata(user: AuthenticatedUser, tabId: string, id: string): Promise<PhotoResource> {
    const { photo } = await this.photoOf(user, tabId, id);
    return toPhotoResource(photo);
  }

  async content(user: AuthenticatedUser, tabId: string, id: string, size?: string): Promise<PhotoContent> {
    const side = size === undefined ? undefined : photoSizeOf(size);
    const { tab, photo } = await this.photoOf(user, tabId, id);
    if (side !== undefined && !photo.sizes.includes(side)) {
      throw ApiError.notFound(`The photo is smaller than ${size}: that size was not made.`, 'size');
    }
    const blob = await this.blobs.read(photoBlobName(user.tenantId, tab._id, id, photo.version, side));
    if (!blob) throw noPhoto();
    return { data: blob.data, contentType: photo.contentType, etag: photoEtagOf(photo, side) };
  }

  async upload(
    user: AuthenticatedUser,
    tabId: string,
    id: string,
    body: unknown,
    contentType: string | undefined,
    ifMatch?: string,
  ): Promise<PhotoResource> {
    const expected = versionFromIfMatch(ifMatch);
    const tab = await this.tabs.findTabToEditContacts(user, tabId);
    const scope = this.contacts.forTenant(user.tenantId);
    await this.current(scope, tab, id, expected);
    const mediaType = contentType ?? '';
    if (!Buffer.isBuffer(body) || !(PHOTO_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
      throw ApiError.unsupportedMediaType(
        `A photo is sent as ${PHOTO_MEDIA_TYPES.join(', ')} (the image itself as the body).`,
        'Content-Type',
      );
    }
    const processed = await processPhoto(body, mediaType);
    const written = await this.blobs.write(user.tenantId, tab._id, id, processed);
    let replaced: ContactPhoto | undefined;
    try {
      replaced = await this.point(user, scope, tab, id, expected, written.photo);
    } catch (error) {
      await this.blobs.discard(written.names);
      throw error;
    }
    if (replaced) await this.blobs.discard(photoBlobNames(user.tenantId, tab._id, id, replaced));
    return toPhotoResource(written.photo);
  }

  async remove(user: AuthenticatedUser, tabId: string, id: string, ifMatch?: string): Promise<void> {
    const expected = versionFromIfMatch(ifMatch);
    const tab = await this.tabs.findTabToEditContacts(user, tabId);
    const scope = this.contacts.forTenant(user.tenantId);
    const current = await this.current(scope, tab, id, expected);
    if (!current.photo) throw noPhoto();
    const removed = await this.point(user, scope, tab, id, expected, undefined);
    if (removed) await this.blobs.discard(photoBlobNames(user.tenantId, tab._id, id, removed));
  }

  private async photoOf(
    user: AuthenticatedUser,
    tabId: string,
    id: string,
  ): Promise<{ tab: Tab; photo: ContactPhoto }> {
    const tab = await this.tabs.findTab(user, tabId);
    const contact = await this.contacts
      .forTenant(user.tenantId)
      .findOne({ tabId: tab._id, _id: id }, { photo: 1 });
    if (!contact) throw contactNotFound();
    if (!contact.photo) throw noPhoto();
    return { tab, photo: contact.photo };
  }

  private async current(
    scope: TenantScope<Contact>,
    tab: Tab,
    id: string,
    expected: number | undefined,
  ): Promise<Pick<Contact, 'version' | 'photo'>> {
    const current = await scope.findOne({ tabId: tab._id, _id: id }, { version: 1, photo: 1 });
    if (!current) throw contactNotFound();
    if (expected !== undefined && expected !== current.version) throw preconditionFailed();
    return current;
  }

  /**
   * Points the contact to `photo` (or to none) if it is still the version read; answers the photo it
   * pointed to before. With If-Match a lost race is a 412; without, it is tried again on the newer version.
   */
  private point(
    user: AuthenticatedUser,
    scope: TenantScope<Contact>,
    tab: Tab,
    id: string,
    expected: number | undefined,
    photo: ContactPhoto | undefined,
  ): Promise<ContactPhoto | undefined> {
    return this.changes.within(user.tenantId, tab._id, 1, async ({ first }) => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.current(scope, tab, id, expected);
        const updated = await scope.findOneAndUpdate(
          { tabId: tab._id, _id: id, version: current.version },
          {
            $set: {
              ...(photo ? { photo } : {}),
              lastModifiedBy: userReferenceOf(user),
              lastModifiedDateTime: new Date(),
              changeSeq: first,
            },
            ...(photo ? {} : { $unset: { photo: 1 } }),
            $inc: { version: 1 },
          },
        );
        if (updated) return current.photo;
        if (expected !== undefined) throw preconditionFailed();
        if (attempt >= WRITE_ATTEMPTS) {
          throw ApiError.conflict('The contact is being changed by others right now; retry.');
        }
      }
    });
  }
}
