import { Injectable } from '@nestjs/common';
import { ExtensionPoint } from '../common/extension-point';

/**
 * What the contacts of a tab hold, answered by the contacts module (tabs cannot see contacts):
 * a tab's configuration changes must keep its contacts consistent.
 */
export interface TabContentStore {
  countCustomFieldValues(tenantId: string, tabId: string, key: string): Promise<number>;
  removeCustomFieldValues(tenantId: string, tabId: string, keys: string[]): Promise<void>;
  removeTabContent(tenantId: string, tabId: string): Promise<void>;
}

/** Where the contacts module plugs in what keeps contacts consistent with their tab. */
@Injectable()
export class TabContentStores extends ExtensionPoint<TabContentStore> implements TabContentStore {
  async countCustomFieldValues(tenantId: string, tabId: string, key: string): Promise<number> {
    let count = 0;
    for (const store of this.plugged) count += await store.countCustomFieldValues(tenantId, tabId, key);
    return count;
  }

  async removeCustomFieldValues(tenantId: string, tabId: string, keys: string[]): Promise<void> {
    for (const store of this.plugged) await store.removeCustomFieldValues(tenantId, tabId, keys);
  }

  async removeTabContent(tenantId: string, tabId: string): Promise<void> {
    for (const store of this.plugged) await store.removeTabContent(tenantId, tabId);
  }
}
