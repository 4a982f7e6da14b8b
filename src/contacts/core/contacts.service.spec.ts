import { TabsService } from '../../tabs/tabs.service';
import { InMemoryTenantRepository } from '../../../test/support/in-memory-tenant-repository';
import {
  CHANNEL,
  rejection,
  repositoryProvider,
  tabsTestingModule,
  TENANT,
  userOf,
} from '../../../test/support/service-testing';
import { ContactAddressClaim } from './contact-address-claim.schema';
import { ADDRESS_CLAIM_LEASE_MS, ContactAddressClaims } from './contact-address-claims';
import { ContactChangeSequence, ContactTombstone } from './contact-change.schema';
import { ContactChangeLog } from './contact-changes';
import { Contact } from './contact.schema';
import { ContactsService } from './contacts.service';
import { BlobStorage } from '../../blob-storage/blob-storage.service';
import { PhotoBlobs } from '../photo/photo-blobs';
import { TenantStores } from '../../admin/tenant-caches';

const OWNER = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const MEMBER = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const READER = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

async function setUp() {
  const contacts = new InMemoryTenantRepository<Contact>();
  const tombstones = new InMemoryTenantRepository<ContactTombstone>();
  const claims = new InMemoryTenantRepository<ContactAddressClaim>();
  const built = await tabsTestingModule([
    ContactsService,
    ContactChangeLog,
    ContactAddressClaims,
    repositoryProvider(ContactAddressClaim.name, claims),
    PhotoBlobs,
    BlobStorage,
    TenantStores,
    repositoryProvider(Contact.name, contacts),
    repositoryProvider(ContactChangeSequence.name, new InMemoryTenantRepository<ContactChangeSequence>()),
    repositoryProvider(ContactTombstone.name, tombstones),
  ]);
  const tab = await built.module.get(TabsService).create(userOf(OWNER), {
    channelId: CHANNEL,
    channelName: 'General',
    displayName: 'Suppliers',
    customFields: [
      { key: 'region', label: 'Region', type: 'text' },
      { key: 'tier', label: 'Tier', type: 'text' },
    ],
    permissions: { contactEditors: 'members', members: [MEMBER] },
  });
  return { ...built, service: built.module.get(ContactsService), contacts, tombstones, claims, tab };
}

describe('ContactsService', () => {
  it('refuses a second contact with an e-mail address already in the tab (409 naming it), unless allowed', async () => {
    const { service, tab, module } = await setUp();
    const first = await service.create(
      userOf(MEMBER),
      tab.id,
      { displayName: 'Ada', emailAddresses: [{ address: 'ada@contoso.com' }] },
      false,
    );
    const again = { displayName: 'Ada L.', emailAddresses: [{ address: 'ADA@contoso.com' }] };
    const error = await rejection(service.create(userOf(MEMBER), tab.id, again, false));
    expect(error.getStatus()).toBe(409);
    expect(error.details.map((detail) => detail.target)).toEqual([first.id]);
    const second = await service.create(userOf(MEMBER), tab.id, again, true);
    expect(second.id).not.toBe(first.id);
    await module.close();
  });

  it('refuses a create whose address another create holds, takes over a claim left expired, and gives claims back', async () => {
    const { service, tab, module, claims } = await setUp();
    const input = { displayName: 'Ada', emailAddresses: [{ address: 'ada@contoso.com' }] };
    const id = `${TENANT}|${tab.id}|ada@contoso.com`;
    const scope = claims.forTenant(TENANT);
    await scope.insert({ _id: id, holder: 'another create', expiresAt: new Date(Date.now() + 60_000) });
    const error = await rejection(service.create(userOf(MEMBER), tab.id, input, false));
    expect(error.getStatus()).toBe(409);
    expect(error.details[0].code).toBe('DuplicateContact');
    expect(await service.create(userOf(MEMBER), tab.id, input, true)).toMatchObject({ displayName: 'Ada' });
    await scope.updateOne(
      { _id: id },
      { $set: { expiresAt: new Date(Date.now() - ADDRESS_CLAIM_LEASE_MS) } },
    );
    const other = {
      displayName: 'Bea',
      emailAddresses: [{ address: 'bea@contoso.com' }, { address: 'ada@contoso.com' }],
    };
    expect(
      (await rejection(service.create(userOf(MEMBER), tab.id, other, false))).details[0].target,
    ).toBeDefined();
    expect(claims.documents).toEqual([]);
    await module.close();
  });

  it('lets only the tab’s contact editors write its contacts; any reader marks favourites', async () => {
    const { service, tab, contacts, module } = await setUp();
    const contact = await service.create(userOf(OWNER), tab.id, { displayName: 'Grace' }, false);
    const reader = userOf(READER);
    expect((await rejection(service.create(reader, tab.id, { displayName: 'X' }, false))).getStatus()).toBe(
      403,
    );
    expect(
      (await rejection(service.update(reader, tab.id, contact.id, { displayName: 'X' }))).getStatus(),
    ).toBe(403);
    expect((await rejection(service.delete(reader, tab.id, contact.id))).getStatus()).toBe(403);
    await service.setFavorite(reader, tab.id, contact.id, true);
    expect(contacts.stored(contact.id)?.favoritedBy).toEqual([READER]);
    expect(contacts.stored(contact.id)?.version).toBe(1);
    await module.close();
  });

  it('refuses an update or delete whose If-Match is not the current version (412), changing nothing', async () => {
    const { service, tab, contacts, tombstones, module } = await setUp();
    const created = await service.create(userOf(MEMBER), tab.id, { displayName: 'Alan' }, false);
    const updated = await service.update(
      userOf(MEMBER),
      tab.id,
      created.id,
      { jobTitle: 'Engineer' },
      created['@odata.etag'],
    );
    expect(updated.jobTitle).toBe('Engineer');
    const staleUpdate = service.update(
      userOf(MEMBER),
      tab.id,
      created.id,
      { jobTitle: 'x' },
      created['@odata.etag'],
    );
    expect((await rejection(staleUpdate)).getStatus()).toBe(412);
    const staleDelete = service.delete(userOf(MEMBER), tab.id, created.id, created['@odata.etag']);
    expect((await rejection(staleDelete)).getStatus()).toBe(412);
    expect(contacts.stored(created.id)?.jobTitle).toBe('Engineer');
    expect(tombstones.documents).toEqual([]);
    await service.delete(userOf(MEMBER), tab.id, created.id, updated['@odata.etag']);
    expect(contacts.stored(created.id)).toBeUndefined();
    expect(tombstones.documents.map((tombstone) => tombstone._id)).toEqual([created.id]);
    await module.close();
  });

  it('takes a custom field removed from the tab out of its contacts, keeping the other fields', async () => {
    const { module, service, tab, contacts } = await setUp();
    const contact = await service.create(
      userOf(OWNER),
      tab.id,
      { displayName: 'Edsger', customFields: { region: 'North', tier: 'Gold' } },
      false,
    );
    await module.get(TabsService).update(userOf(OWNER), tab.id, {
      customFields: [{ key: 'tier', label: 'Tier', type: 'text' }],
    });
    const stored = contacts.stored(contact.id);
    expect(stored?.customFields).toEqual({ tier: 'Gold' });
    expect(Object.keys(stored?.norm.customFields ?? {})).toEqual(['tier']);
    expect(stored?.version).toBe(2);
    await module.close();
  });

  it('removes a deleted tab’s contacts, and only that tab’s', async () => {
    const { module, service, tab, contacts } = await setUp();
    const tabs = module.get(TabsService);
    const other = await tabs.create(userOf(OWNER), {
      channelId: CHANNEL,
      channelName: 'General',
      displayName: 'B',
    });
    await service.create(userOf(OWNER), tab.id, { displayName: 'In the deleted tab' }, false);
    const kept = await service.create(userOf(OWNER), other.id, { displayName: 'Elsewhere' }, false);
    await tabs.delete(userOf(OWNER), tab.id);
    expect(contacts.documents.map((contact) => contact._id)).toEqual([kept.id]);
    expect(contacts.documents[0].tenantId).toBe(TENANT);
    await module.close();
  });
});
