import { ApiError } from '../common/errors/api-error';
import { TabContentStores, type TabContentStore } from './tab-content-stores';
import { TabsService } from './tabs.service';
import {
  CHANNEL,
  OTHER_TENANT,
  rejection,
  tabsTestingModule,
  userOf,
} from '../../test/support/service-testing';

const OWNER = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const MEMBER = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const READER = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const ADMIN = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';

/** Records what the tabs module asks of a tab's contacts; `valuesHeld` says how many hold a custom field. */
class RecordingContent implements TabContentStore {
  readonly calls: string[] = [];
  valuesHeld = 0;
  async countCustomFieldValues(_tenantId: string, _tabId: string, key: string): Promise<number> {
    this.calls.push(`count ${key}`);
    return this.valuesHeld;
  }
  async removeCustomFieldValues(_tenantId: string, _tabId: string, keys: string[]): Promise<void> {
    this.calls.push(`remove ${keys.join(',')}`);
  }
  async removeTabContent(_tenantId: string, tabId: string): Promise<void> {
    this.calls.push(`remove tab ${tabId}`);
  }
}

async function setUp() {
  const built = await tabsTestingModule();
  const content = new RecordingContent();
  built.module.get(TabContentStores).plug(content);
  const service = built.module.get(TabsService);
  const tab = await service.create(userOf(OWNER), {
    channelId: CHANNEL,
    channelName: 'General',
    displayName: 'Suppliers',
    customFields: [{ key: 'region', label: 'Region', type: 'text' }],
    permissions: { contactEditors: 'members', members: [MEMBER] },
  });
  return { ...built, service, content, tab };
}

describe('TabsService', () => {
  it('lets only owners and tenant administrators change a tab', async () => {
    const { service, tab, module } = await setUp();
    expect(
      (await rejection(service.update(userOf(MEMBER), tab.id, { displayName: 'Mine' }))).getStatus(),
    ).toBe(403);
    const renamed = await service.update(userOf(ADMIN, { isAdmin: true }), tab.id, {
      displayName: 'Vendors',
    });
    expect(renamed.displayName).toBe('Vendors');
    expect((await rejection(service.delete(userOf(READER), tab.id))).getStatus()).toBe(403);
    await module.close();
  });

  it('refuses an update whose If-Match is not the current version (412), and keeps the tab', async () => {
    const { service, tab, tabs, module } = await setUp();
    const updated = await service.update(
      userOf(OWNER),
      tab.id,
      { displayName: 'Vendors' },
      tab['@odata.etag'],
    );
    expect(updated['@odata.etag']).not.toBe(tab['@odata.etag']);
    const stale = service.update(userOf(OWNER), tab.id, { displayName: 'Late' }, tab['@odata.etag']);
    expect((await rejection(stale)).getStatus()).toBe(412);
    expect((await rejection(service.delete(userOf(OWNER), tab.id, tab['@odata.etag']))).getStatus()).toBe(
      412,
    );
    expect(tabs.stored(tab.id)?.displayName).toBe('Vendors');
    await module.close();
  });

  it('lets a tab’s contactEditors, owners and administrators edit its contacts, no one else', async () => {
    const { service, tab, module } = await setUp();
    const stored = await service.findTab(userOf(READER), tab.id);
    expect(service.canEditContacts(userOf(MEMBER), stored)).toBe(true);
    expect(service.canEditContacts(userOf(OWNER), stored)).toBe(true);
    expect(service.canEditContacts(userOf(ADMIN, { isAdmin: true }), stored)).toBe(true);
    expect(service.canEditContacts(userOf(READER), stored)).toBe(false);
    expect(() => service.assertCanEditContacts(userOf(READER), stored)).toThrow(ApiError);
    await module.close();
  });

  it('takes a removed custom field out of the contacts once the tab is saved', async () => {
    const { service, tab, content, module } = await setUp();
    const updated = await service.update(userOf(OWNER), tab.id, { customFields: [] });
    expect(updated.customFields).toEqual([]);
    expect(updated.fields.map((field) => field.key)).not.toContain('region');
    expect(content.calls).toEqual(['remove region']);
    await module.close();
  });

  it('refuses to change the type of a custom field that contacts hold values for (409)', async () => {
    const { service, tab, content, tabs, module } = await setUp();
    content.valuesHeld = 3;
    const change = service.update(userOf(OWNER), tab.id, {
      customFields: [{ key: 'region', label: 'Region', type: 'number' }],
    });
    const error = await rejection(change);
    expect(error.getStatus()).toBe(409);
    expect(error.details.map((detail) => detail.target)).toEqual(['customFields.0.type']);
    expect(tabs.stored(tab.id)?.customFields[0].type).toBe('text');
    content.valuesHeld = 0;
    const changed = await service.update(userOf(OWNER), tab.id, {
      customFields: [{ key: 'region', label: 'Region', type: 'number' }],
    });
    expect(changed.customFields[0].type).toBe('number');
    await module.close();
  });

  it('deletes a tab’s contacts with it, and its channel’s record with the last tab', async () => {
    const { service, tab, content, channels, module } = await setUp();
    const second = await service.create(userOf(OWNER), {
      channelId: CHANNEL,
      channelName: 'General',
      displayName: 'Partners',
    });
    await service.delete(userOf(OWNER), tab.id);
    expect(content.calls).toEqual([`remove tab ${tab.id}`]);
    expect(channels.documents).toHaveLength(1);
    await service.delete(userOf(OWNER), second.id);
    expect(channels.documents).toHaveLength(0);
    await module.close();
  });

  it('answers 404 for a tab of another tenant, as for an unknown id', async () => {
    const { service, tab, module } = await setUp();
    const stranger = userOf(OWNER, { tenantId: OTHER_TENANT });
    expect((await rejection(service.get(stranger, tab.id))).getStatus()).toBe(404);
    expect((await rejection(service.update(stranger, tab.id, { displayName: 'x' }))).getStatus()).toBe(404);
    await module.close();
  });
});
