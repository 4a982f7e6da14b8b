import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../../auth';
import type { UserReference } from '../../common/persistence/tenant-owned.schema';
import { duplicatesOfInsertMany } from '../../common/persistence/duplicate-key';
import { InjectTenantRepository } from '../../common/persistence/tenant-repository.providers';
import type { TenantRepository, TenantScope } from '../../common/persistence/tenant-scope';
import { parseODataQuery, type ODataRequest } from '../../odata';
import { odataError } from '../../odata/odata-error';
import type { Tab } from '../../tabs/tab.schema';
import { TabsService } from '../../tabs/tabs.service';
import { ContactAddressClaims } from '../core/contact-address-claims';
import { ContactChangeLog } from '../core/contact-changes';
import { LIST_EXCLUSION, newContact, replacementOf } from '../core/contact-documents';
import { contactModelOf } from '../core/contact.entity-model';
import type { StoredContactFields } from '../core/contact-mapping';
import { Contact, type ContactPhoto } from '../core/contact.schema';

export type ImportedUpdate = { _id: string; version: number; stored: StoredContactFields };

/**
 * The contacts an import reads and writes in batches, and the ones an export reads in one cursor. Stored
 * contacts are built as the API builds them one by one (see contact-documents), each write with its
 * change number in the change log.
 */
@Injectable()
export class ContactTransferStore {
  constructor(
    @InjectTenantRepository(Contact.name) private readonly contacts: TenantRepository<Contact>,
    private readonly changes: ContactChangeLog,
    private readonly tabs: TabsService,
    private readonly addressClaims: ContactAddressClaims,
  ) {}

  /**
   * The tab's contacts an export writes, in order: `$filter`, `$search` and `$orderby` as the list reads
   * them, `$skip` and `$top` over the whole file (no page size); and the `$select`ed properties.
   */
  async exportContacts(
    user: AuthenticatedUser,
    tabId: string,
    request: ODataRequest,
  ): Promise<{ tab: Tab; contacts: AsyncIterable<Contact>; select?: string[] }> {
    const tab = await this.tabs.findTab(user, tabId);
    for (const name of ['$count', '$skiptoken', '$deltatoken'] as const) {
      if (request.options[name] !== undefined) {
        throw odataError(name, `${name} does not apply to an export, which is one file without pages.`);
      }
    }
    const query = parseODataQuery(request, contactModelOf(tab), { userId: user.userId });
    const { filter } = query;
    const scope = this.contacts.forTenant(user.tenantId);
    const scoped = { tabId: tab._id };
    // Opened when the file is written, so that a refused option opens nothing.
    async function* contacts(): AsyncGenerator<Contact> {
      // A limit of 0 is no limit to the database.
      if (query.top === 0) return;
      yield* scope.cursor(filter ? { $and: [scoped, filter] } : scoped, {
        projection: { searchKeys: 0, norm: 0 },
        sort: query.sort,
        skip: query.skip,
        limit: query.top,
        // Few large batches: on the embedded database each batch costs another pass over the collection.
        batchSize: 2000,
      });
    }
    return { tab, contacts: contacts(), select: query.select };
  }

  /**
   * Normalized e-mail address → id of the contact holding it, for a whole tab, or for the contacts created
   * since `only.createdSince` that hold one of `only.addresses`. An import reads the tab's once (one query,
   * addresses only) rather than looking for duplicates row by row: on the embedded database every query
   * scans the collection (the creation time, first in the filter, spares most of it the address match).
   */
  async emailDirectory(
    tenantId: string,
    tabId: string,
    only?: { addresses: string[]; createdSince: Date },
  ): Promise<Map<string, string>> {
    const directory = new Map<string, string>();
    const cursor = this.contacts.forTenant(tenantId).cursor<Pick<Contact, '_id' | 'norm'>>(
      only
        ? {
            tabId,
            createdDateTime: { $gte: only.createdSince },
            'norm.emailAddresses.address': { $in: only.addresses },
          }
        : { tabId },
      { projection: { _id: 1, 'norm.emailAddresses.address': 1 }, batchSize: 1000 },
    );
    for await (const contact of cursor) {
      for (const email of (contact.norm?.emailAddresses ?? []) as Array<{ address: string }>) {
        if (!directory.has(email.address)) directory.set(email.address, contact._id);
      }
    }
    return directory;
  }

  /**
   * Runs an import batch's look for contacts created meanwhile and its write holding the claims of its
   * e-mail addresses, so that no create of one of them, on any instance, passes its duplicate check in
   * between (the claims of a create, src/contacts/core/contact-address-claims.ts).
   */
  holdingAddresses<T>(
    job: { _id: string; tenantId: string },
    tabId: string,
    addresses: string[],
    work: () => Promise<T>,
  ): Promise<T> {
    // The job names the holder: run again after its instance died, it takes its own claims back at once.
    return this.addressClaims.holdingBatch(job.tenantId, tabId, addresses, `import:${job._id}`, work);
  }

  /** The stored contacts of a tab with these ids: the starting point of an import's updates. */
  importTargets(tenantId: string, tabId: string, ids: string[]): Promise<Contact[]> {
    return this.contacts
      .forTenant(tenantId)
      .find({ tabId, _id: { $in: ids } }, { projection: LIST_EXCLUSION });
  }

  /**
   * Writes a batch of imported contacts, each with a change number. New contacts are inserted under the
   * ids given; an id already stored (a row written before its import was interrupted and resumed) is left
   * as it is and counted as inserted. Updates apply only to a contact still at the version they were
   * computed from; `updated` lists the ones applied.
   */
  async writeImportBatch(
    tenantId: string,
    tab: Tab,
    author: UserReference,
    inserts: Array<{ _id: string; stored: StoredContactFields; photo?: ContactPhoto }>,
    updates: ImportedUpdate[],
  ): Promise<{ inserted: number; updated: Set<string> }> {
    const count = inserts.length + updates.length;
    if (count === 0) return { inserted: 0, updated: new Set() };
    const scope = this.contacts.forTenant(tenantId);
    return this.changes.within(tenantId, tab._id, count, async ({ first }) => {
      const now = new Date();
      const documents = inserts.map(({ _id, stored, photo }, index) => ({
        ...newContact(_id, tab._id, stored, author, now, first + index),
        ...(photo ? { photo } : {}),
      }));
      const inserted = documents.length ? await insertNew(scope, documents) : 0;
      const updated = updates.length
        ? await applyUpdates(scope, tab, author, now, updates, first + inserts.length)
        : new Set<string>();
      return { inserted, updated };
    });
  }
}

/** Inserts new contacts; ids already stored (rows of an interrupted run) count as inserted. */
async function insertNew(
  scope: TenantScope<Contact>,
  documents: Array<Omit<Contact, 'tenantId'>>,
): Promise<number> {
  try {
    return await scope.insertMany(documents, { ordered: false });
  } catch (error) {
    if (!duplicatesOfInsertMany(error)) throw error;
    return documents.length;
  }
}

/** Applies updates still at their version, change numbers from `base`; answers the ids applied. */
async function applyUpdates(
  scope: TenantScope<Contact>,
  tab: Tab,
  author: UserReference,
  now: Date,
  updates: ImportedUpdate[],
  base: number,
): Promise<Set<string>> {
  const updated = new Set<string>();
  const matched = await scope.bulkUpdate(
    updates.map(({ _id, version, stored }, index) => {
      const { $set, $unset } = replacementOf(stored);
      return {
        filter: { tabId: tab._id, _id, version },
        update: {
          $set: {
            ...$set,
            lastModifiedBy: author,
            lastModifiedDateTime: now,
            changeSeq: base + index,
          },
          ...(Object.keys($unset).length ? { $unset } : {}),
          $inc: { version: 1 },
        },
      };
    }),
  );
  if (matched === updates.length) for (const { _id } of updates) updated.add(_id);
  else {
    // Some lost a race with another writer: the ones that carry this batch's change number won.
    const written = await scope.find(
      { tabId: tab._id, _id: { $in: updates.map(({ _id }) => _id) } },
      { projection: { changeSeq: 1 } },
    );
    const ours = new Map(updates.map(({ _id }, index) => [_id, base + index]));
    for (const contact of written) {
      if (contact.changeSeq === ours.get(contact._id)) updated.add(contact._id);
    }
  }
  return updated;
}
