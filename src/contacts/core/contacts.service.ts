import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { userReferenceOf, type AuthenticatedUser } from '../../auth';
import { ApiError, type ApiErrorDetail } from '../../common/errors/api-error';
import { preconditionFailed, versionFromIfMatch } from '../../common/http/etag';
import { InjectTenantRepository } from '../../common/persistence/tenant-repository.providers';
import type { TenantRepository, TenantScope } from '../../common/persistence/tenant-scope';
import { AppConfig } from '../../config/app-config';
import {
  parseODataQuery,
  type MongoFilter,
  type ODataCollection,
  type ODataQuery,
  type ODataRequest,
} from '../../odata';
import type { Tab } from '../../tabs/tab.schema';
import { TabContentStores, type TabContentStore } from '../../tabs/tab-content-stores';
import { TabsService } from '../../tabs/tabs.service';
import { contactModelOf, tenantContactModel } from './contact.entity-model';
import {
  applyContactInput,
  contactFieldsOf,
  EMPTY_CONTACT,
  searchKeysOf,
  storedContactFields,
  toContactResource,
  type ContactResource,
  type StoredContactFields,
} from './contact-mapping';
import type { ContactInput } from './contact-values';
import { ContactChangeLog } from './contact-changes';
import { LIST_EXCLUSION, newContact, replacementOf } from './contact-documents';
import { contactNotFound } from './contact-id.pipe';
import { ContactAddressClaims } from './contact-address-claims';
import { Contact } from './contact.schema';
import { KeyedSerializer } from '../../common/persistence/keyed-serializer';
import { PhotoBlobs } from '../photo/photo-blobs';

/**
 * Users who can mark one contact as favourite. A contact book belongs to one channel, whose members are
 * at most a few hundred people in practice: the cap bounds the `favoritedBy` array that every read of the
 * contact carries (about 40 bytes an entry, so at most ~20 KB) while leaving room. Marking past it is a 409.
 */
export const FAVORITES_PER_CONTACT = 500;

/** Attempts of a patch without If-Match that keeps losing the race with other writers. */
const UPDATE_ATTEMPTS = 5;
const CUSTOM_FIELD_KEY = /^[a-z][a-zA-Z0-9]{0,39}$/;
/** Contacts rewritten per round when a custom field leaves its tab, and a bound on the rounds. */
const REWRITE_BATCH = 200;
const REWRITE_ROUNDS = 10_000;

function invalid(problems: ApiErrorDetail[]): ApiError {
  return ApiError.badRequest('The contact is invalid: see details.', undefined, problems);
}

/**
 * The contacts of the tenant's tabs. Reads follow the tab (anyone in the tenant reads every tab), writes
 * its `contactEditors`; another tenant's tab or contact is a 404. Nothing about contacts is cached here:
 * every request reads the database (the product's data promise); only the tab configuration comes from
 * the tabs module's cache.
 */
@Injectable()
export class ContactsService implements TabContentStore, OnModuleInit {
  /** Writes of one contact, one at a time in this instance (see KeyedSerializer for why). */
  private readonly writes = new KeyedSerializer();

  constructor(
    @InjectTenantRepository(Contact.name) private readonly contacts: TenantRepository<Contact>,
    private readonly tabs: TabsService,
    private readonly config: AppConfig,
    private readonly changes: ContactChangeLog,
    private readonly tabContent: TabContentStores,
    private readonly addressClaims: ContactAddressClaims,
    private readonly photos: PhotoBlobs,
  ) {}

  /** Makes tab deletion, custom field removal and type changes consistent with the contacts. */
  onModuleInit(): void {
    this.tabContent.plug(this);
  }

  /** The contacts of one tab; the tab's custom fields are properties of this request's model. */
  async list(
    user: AuthenticatedUser,
    tabId: string,
    request: ODataRequest,
  ): Promise<ODataCollection<ContactResource>> {
    const tab = await this.tabs.findTab(user, tabId);
    const query = parseODataQuery(request, contactModelOf(tab), { userId: user.userId });
    return this.run(user, query, { tabId: tab._id });
  }

  /** Every tab's contacts in the caller's tenant (everyone in a tenant reads every tab). */
  search(user: AuthenticatedUser, request: ODataRequest): Promise<ODataCollection<ContactResource>> {
    const query = parseODataQuery(request, tenantContactModel, { userId: user.userId });
    return this.run(user, query);
  }

  async get(user: AuthenticatedUser, tabId: string, id: string): Promise<ContactResource> {
    const tab = await this.tabs.findTab(user, tabId);
    const contact = await this.find(this.scope(user), tab, id);
    if (!contact) throw contactNotFound();
    return toContactResource(contact, user.userId);
  }

  async create(
    user: AuthenticatedUser,
    tabId: string,
    input: ContactInput,
    allowDuplicate: boolean,
  ): Promise<ContactResource> {
    const tab = await this.tabs.findTabToEditContacts(user, tabId);
    const { fields, problems } = applyContactInput(EMPTY_CONTACT, input, tab, 'create');
    if (problems.length) throw invalid(problems);
    const stored = storedContactFields(fields, contactModelOf(tab));
    const scope = this.scope(user);
    const author = userReferenceOf(user);
    const insert = () =>
      this.changes.within(user.tenantId, tab._id, 1, ({ first }) =>
        scope.insert(newContact(randomUUID(), tab._id, stored, author, new Date(), first)),
      );
    const contact = allowDuplicate
      ? await insert()
      : await this.addressClaims.holding(user.tenantId, tab._id, emailAddressesOf(stored), async () => {
          await this.assertNoDuplicate(scope, tab, stored);
          return insert();
        });
    return toContactResource(contact, user.userId);
  }

  /**
   * A partial change, written only if the contact is still the version it was computed from. With
   * If-Match a lost race is a 412; without, the change is recomputed on the newer version and retried.
   */
  async update(
    user: AuthenticatedUser,
    tabId: string,
    id: string,
    input: ContactInput,
    ifMatch?: string,
  ): Promise<ContactResource> {
    const expected = versionFromIfMatch(ifMatch);
    const tab = await this.tabs.findTabToEditContacts(user, tabId);
    const scope = this.scope(user);
    const model = contactModelOf(tab);
    const write = (changeSeq: number) => async (): Promise<ContactResource> => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.find(scope, tab, id);
        if (!current) throw contactNotFound();
        if (expected !== undefined && expected !== current.version) throw preconditionFailed();
        const { fields, problems } = applyContactInput(contactFieldsOf(current), input, tab, 'update');
        if (problems.length) throw invalid(problems);
        const { $set, $unset } = replacementOf(storedContactFields(fields, model));
        const updated = await scope.findOneAndUpdate(
          { tabId: tab._id, _id: id, version: current.version },
          {
            $set: {
              ...$set,
              lastModifiedBy: userReferenceOf(user),
              lastModifiedDateTime: new Date(),
              changeSeq,
            },
            ...(Object.keys($unset).length ? { $unset } : {}),
            $inc: { version: 1 },
          },
        );
        if (updated) return toContactResource(updated, user.userId);
        if (expected !== undefined) throw preconditionFailed();
        if (attempt >= UPDATE_ATTEMPTS) {
          throw ApiError.conflict(
            'The contact is being changed by others right now; read it again and retry.',
          );
        }
      }
    };
    return this.writes.run(writeKey(user.tenantId, id), () =>
      this.changes.within(user.tenantId, tab._id, 1, ({ first }) => write(first)()),
    );
  }

  async delete(user: AuthenticatedUser, tabId: string, id: string, ifMatch?: string): Promise<void> {
    const expected = versionFromIfMatch(ifMatch);
    const tab = await this.tabs.findTabToEditContacts(user, tabId);
    const scope = this.scope(user);
    const remove = async (changeSeq: number): Promise<void> => {
      const current = await scope.findOne({ tabId: tab._id, _id: id }, { version: 1, photo: 1 });
      if (!current) throw contactNotFound();
      if (expected !== undefined && expected !== current.version) throw preconditionFailed();
      // The tombstone goes first, so that a deletion is never missing from delta sync; checking first
      // keeps a refused deletion from showing there even for an instant.
      await this.changes.recordDeletion(user.tenantId, tab._id, id, changeSeq);
      const deleted = await scope.deleteOne({
        tabId: tab._id,
        _id: id,
        ...(expected !== undefined ? { version: expected } : {}),
      });
      // Only a contact with a photo costs a call to the storage (a photo it got meanwhile is left to the sweep).
      if (deleted > 0) {
        if (current.photo) await this.photos.removeContact(user.tenantId, tab._id, id);
        return;
      }
      await this.changes.forgetDeletion(user.tenantId, tab._id, id);
      if (expected !== undefined && (await scope.exists({ tabId: tab._id, _id: id }))) {
        throw preconditionFailed();
      }
      throw contactNotFound();
    };
    await this.writes.run(writeKey(user.tenantId, id), () =>
      this.changes.within(user.tenantId, tab._id, 1, ({ first }) => remove(first)),
    );
  }

  /**
   * Marks or unmarks the contact as the caller's favourite; any reader of the tab may. Idempotent, and
   * not a change of the contact: its version (ETag) and modification date stay.
   */
  async setFavorite(user: AuthenticatedUser, tabId: string, id: string, favorite: boolean): Promise<void> {
    const tab = await this.tabs.findTab(user, tabId);
    const scope = this.scope(user);
    const contact = { tabId: tab._id, _id: id };
    await this.writes.run(writeKey(user.tenantId, id), () =>
      this.changes.within(user.tenantId, tab._id, 1, ({ first }) =>
        this.mark(scope, contact, user.userId, favorite, first),
      ),
    );
  }

  private async mark(
    scope: TenantScope<Contact>,
    contact: { tabId: string; _id: string },
    userId: string,
    favorite: boolean,
    changeSeq: number,
  ): Promise<void> {
    if (!favorite) {
      const { matched } = await scope.updateOne(contact, {
        $pull: { favoritedBy: userId },
        $set: { changeSeq },
      });
      if (matched === 0) throw contactNotFound();
      return;
    }
    const { matched } = await scope.updateOne(
      {
        ...contact,
        favoritedBy: { $ne: userId },
        [`favoritedBy.${FAVORITES_PER_CONTACT - 1}`]: { $exists: false },
      },
      { $addToSet: { favoritedBy: userId }, $set: { changeSeq } },
    );
    if (matched > 0) return;
    const current = await scope.findOne(contact, { favoritedBy: 1 });
    if (!current) throw contactNotFound();
    if (current.favoritedBy.includes(userId)) return;
    throw ApiError.conflict(
      `At most ${FAVORITES_PER_CONTACT} people can mark one contact as favourite.`,
      'favorite',
    );
  }

  async countCustomFieldValues(tenantId: string, tabId: string, key: string): Promise<number> {
    return this.contacts.forTenant(tenantId).count({ tabId, [customFieldPath(key)]: { $exists: true } });
  }

  /**
   * Takes removed custom fields out of the tab's contacts, with their normalized keys and search keys.
   * Each contact is rewritten only if unchanged since it was read (its version); a contact changed
   * meanwhile is read again in the next round (a concurrent patch already drops the values itself).
   */
  async removeCustomFieldValues(tenantId: string, tabId: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const scope = this.contacts.forTenant(tenantId);
    const holding: MongoFilter = {
      tabId,
      $or: keys.map((key) => ({ [customFieldPath(key)]: { $exists: true } })),
    };
    for (let round = 0; round < REWRITE_ROUNDS; round++) {
      const batch = await scope.find(holding, { limit: REWRITE_BATCH });
      if (batch.length === 0) return;
      await this.changes.within(tenantId, tabId, batch.length, ({ first }) =>
        Promise.all(
          batch.map((contact, index) => {
            const customFields = without(contact.customFields ?? {}, keys);
            const normCustom = without((contact.norm?.customFields ?? {}) as Record<string, unknown>, keys);
            const norm = { ...contact.norm, customFields: normCustom };
            return this.writes.run(writeKey(tenantId, contact._id), () =>
              scope.updateOne(
                { tabId, _id: contact._id, version: contact.version },
                {
                  $set: {
                    customFields,
                    norm,
                    searchKeys: searchKeysOf({ ...contact, norm }),
                    changeSeq: first + index,
                  },
                  $inc: { version: 1 },
                },
              ),
            );
          }),
        ),
      );
    }
  }

  /** Removes a deleted tab's contacts (favourite marks live in them and go too). */
  async removeTabContent(tenantId: string, tabId: string): Promise<void> {
    await this.contacts.forTenant(tenantId).deleteMany({ tabId });
    await this.changes.forgetTab(tenantId, tabId);
    // After the contacts: no contact points to a photo removed here.
    await this.photos.removeTab(tenantId, tabId);
  }

  private scope(user: AuthenticatedUser): TenantScope<Contact> {
    return this.contacts.forTenant(user.tenantId);
  }

  private find(scope: TenantScope<Contact>, tab: Tab, id: string): Promise<Contact | null> {
    return scope.findOne({ tabId: tab._id, _id: id }, LIST_EXCLUSION);
  }

  private run(
    user: AuthenticatedUser,
    query: ODataQuery,
    within?: { tabId: string },
  ): Promise<ODataCollection<ContactResource>> {
    query.projection ??= LIST_EXCLUSION as unknown as Record<string, 1>;
    return this.scope(user).list(query, {
      within,
      toResource: (contact) => toContactResource(contact, user.userId),
      skiptokenSecret: this.config.pagingTokenSecret,
    });
  }

  /** A new contact whose e-mail address is already in the tab is a 409 naming the existing contacts. */
  private async assertNoDuplicate(
    scope: TenantScope<Contact>,
    tab: Tab,
    stored: StoredContactFields,
  ): Promise<void> {
    const addresses = emailAddressesOf(stored);
    if (addresses.length === 0) return;
    const existing = await scope.find(
      { tabId: tab._id, 'norm.emailAddresses.address': { $in: addresses } },
      { projection: { _id: 1, 'norm.emailAddresses': 1 }, limit: 10, sort: { _id: 1 } },
    );
    if (existing.length === 0) return;
    const wanted = new Set(addresses);
    throw ApiError.conflict(
      'A contact with this e-mail address already exists in this tab; send allowDuplicate=true to create it anyway.',
      'emailAddresses',
      existing.map((contact) => {
        const shared = (contact.norm.emailAddresses as Array<{ address: string }>)
          .map((email) => email.address)
          .filter((address) => wanted.has(address));
        return {
          code: 'DuplicateContact',
          target: contact._id,
          message: `The contact ${contact._id} has the e-mail address ${shared.join(', ')}.`,
        };
      }),
    );
  }
}

/** The contact's e-mail addresses as stored for comparison (normalized). */
function emailAddressesOf(stored: StoredContactFields): string[] {
  return (stored.norm.emailAddresses as Array<{ address: string }>).map((email) => email.address);
}

function writeKey(tenantId: string, contactId: string): string {
  return `${tenantId}|${contactId}`;
}

function customFieldPath(key: string): string {
  // Keys come from validated tab configurations; anything else would be a path injection.
  if (!CUSTOM_FIELD_KEY.test(key)) throw new Error(`not a custom field key: ${JSON.stringify(key)}`);
  return `customFields.${key}`;
}

function without<T>(values: Record<string, T>, keys: string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => !keys.includes(key)));
}
