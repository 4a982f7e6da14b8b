import { Injectable, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { userReferenceOf, type AuthenticatedUser } from '../auth';
import type { UserReference } from '../common/persistence/tenant-owned.schema';
import { TenantCaches, type TenantCache } from '../admin/tenant-caches';
import { ChannelHolders, type ChannelHolder } from '../channels/channel-holders';
import { ChannelsService } from '../channels/channels.service';
import { ApiError, ApiErrorDetail } from '../common/errors/api-error';
import { etagOf, preconditionFailed, versionFromIfMatch } from '../common/http/etag';
import { KeyedSerializer } from '../common/persistence/keyed-serializer';
import { LruCache } from '../common/lru-cache';
import { InjectTenantRepository } from '../common/persistence/tenant-repository.providers';
import type { TenantRepository } from '../common/persistence/tenant-scope';
import { AppConfig } from '../config/app-config';
import { CacheInvalidation } from '../shared-state/cache-invalidation';
import { normalizeText, type ODataCollection, type ODataQuery } from '../odata';
import { CreateTabDto, TabConfigurationDto, UpdateTabDto } from './dto/create-tab.dto';
import { TabDto } from './dto/tab.dto';
import { TabContentStores } from './tab-content-stores';
import { tabNotFound } from './tab-id.pipe';
import { Tab } from './tab.schema';
import {
  completeLayout,
  tabConfigurationProblems,
  type Category,
  type ContactEditors,
  type CustomFieldDefinition,
  type FieldLayout,
} from '../contact-fields';

/**
 * Tab configuration is cached (the product's data promise) briefly, per instance; a write here updates this
 * instance's copy and is announced to the others (CacheInvalidation), the TTL bounding a lost message.
 */
const CACHE_ENTRIES = 5000;
const CACHE_TTL_MS = 30_000;

export function toTabDto(tab: Partial<Tab>): TabDto {
  return {
    id: tab._id as string,
    channelId: tab.channelId as string,
    teamId: tab.teamId ?? null,
    displayName: tab.displayName as string,
    entityId: tab.entityId ?? null,
    fields: tab.fields ?? [],
    customFields: tab.customFields ?? [],
    categories: tab.categories ?? [],
    permissions: tab.permissions as TabDto['permissions'],
    defaultSort: tab.defaultSort ?? null,
    createdBy: tab.createdBy as UserReference,
    lastModifiedBy: tab.lastModifiedBy as UserReference,
    createdDateTime: tab.createdDateTime as Date,
    lastModifiedDateTime: tab.lastModifiedDateTime as Date,
    '@odata.etag': etagOf(tab.version as number),
  };
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/** The stored form of the configurable part; every field named, none left undefined. */
interface TabConfiguration {
  fields: FieldLayout[];
  customFields: CustomFieldDefinition[];
  categories: Category[];
  permissions: Tab['permissions'];
  defaultSort?: Tab['defaultSort'];
}

/**
 * The contact books (tabs) of a tenant: configuration, permissions, and the channel each lives in.
 * Owners (the creator first) and tenant administrators change a tab; everyone in the tenant reads it.
 */
@Injectable()
export class TabsService implements ChannelHolder, TenantCache, OnModuleInit {
  private readonly cache = new LruCache<Tab>(CACHE_ENTRIES, CACHE_TTL_MS);
  /** Writes of one tab, one at a time in this instance (see KeyedSerializer for why). */
  private readonly writes = new KeyedSerializer();

  constructor(
    @InjectTenantRepository(Tab.name) private readonly tabs: TenantRepository<Tab>,
    private readonly channels: ChannelsService,
    private readonly config: AppConfig,
    private readonly content: TabContentStores,
    private readonly channelHolders: ChannelHolders,
    private readonly tenantCaches: TenantCaches,
    private readonly invalidation: CacheInvalidation,
  ) {}

  /**
   * A channel with tabs is in use; the tab configuration cache is emptied by the tenant purge, and loses a
   * tab when another instance writes it.
   */
  onModuleInit(): void {
    this.channelHolders.plug(this);
    this.tenantCaches.plug(this);
    this.invalidation.subscribe('tab', (key) =>
      key === undefined ? this.cache.clear() : this.cache.delete(key),
    );
  }

  holdsChannel(tenantId: string, channelId: string): Promise<boolean> {
    return this.tabs.forTenant(tenantId).exists({ channelId });
  }

  async create(user: AuthenticatedUser, dto: CreateTabDto): Promise<TabDto> {
    const configuration = this.configurationOf(dto, {
      fields: [],
      customFields: [],
      categories: [],
      permissions: { contactEditors: 'everyone', owners: [user.userId], members: [] },
    });
    configuration.permissions.owners = unique([user.userId, ...configuration.permissions.owners]);
    await this.channels.upsert(user, dto.channelId, {
      displayName: dto.channelName,
      teamId: dto.teamId,
      teamName: dto.teamName,
    });
    const now = new Date();
    const tab = await this.tabs.forTenant(user.tenantId).insert({
      _id: randomUUID(),
      channelId: dto.channelId,
      ...(dto.teamId !== undefined ? { teamId: dto.teamId } : {}),
      ...(dto.entityId !== undefined ? { entityId: dto.entityId } : {}),
      displayName: dto.displayName,
      ...configuration,
      createdBy: userReferenceOf(user),
      lastModifiedBy: userReferenceOf(user),
      createdDateTime: now,
      lastModifiedDateTime: now,
      version: 1,
      norm: { displayName: normalizeText(dto.displayName), channelId: normalizeText(dto.channelId) },
    });
    this.cache.set(this.cacheKey(user.tenantId, tab._id), tab);
    return toTabDto(tab);
  }

  async get(user: AuthenticatedUser, tabId: string): Promise<TabDto> {
    return toTabDto(await this.findTab(user, tabId));
  }

  list(user: AuthenticatedUser, query: ODataQuery): Promise<ODataCollection<TabDto>> {
    return this.tabs.forTenant(user.tenantId).list(query, {
      toResource: toTabDto,
      skiptokenSecret: this.config.pagingTokenSecret,
    });
  }

  update(user: AuthenticatedUser, tabId: string, dto: UpdateTabDto, ifMatch?: string): Promise<TabDto> {
    return this.writes.run(this.cacheKey(user.tenantId, tabId), () =>
      this.applyUpdate(user, tabId, dto, ifMatch),
    );
  }

  /** Removes the tab, its contacts and favourites, and its channel's record when no other tab uses it. */
  delete(user: AuthenticatedUser, tabId: string, ifMatch?: string): Promise<void> {
    return this.writes.run(this.cacheKey(user.tenantId, tabId), () => this.applyDelete(user, tabId, ifMatch));
  }

  private async applyUpdate(
    user: AuthenticatedUser,
    tabId: string,
    dto: UpdateTabDto,
    ifMatch?: string,
  ): Promise<TabDto> {
    const expected = versionFromIfMatch(ifMatch);
    const current = await this.findTab(user, tabId, { fresh: true });
    this.assertCanConfigure(user, current);
    if (expected !== undefined && expected !== current.version) throw preconditionFailed();

    const configuration = this.configurationOf(dto, current);
    if (configuration.permissions.owners.length === 0) {
      throw ApiError.badRequest('A tab needs at least one owner.', undefined, [
        { code: 'InvalidValue', target: 'permissions.owners', message: 'a tab needs at least one owner' },
      ]);
    }
    const removedKeys = await this.checkCustomFieldChanges(
      user.tenantId,
      current,
      configuration.customFields,
    );

    const set: Partial<Tab> = {
      ...configuration,
      lastModifiedBy: userReferenceOf(user),
      lastModifiedDateTime: new Date(),
    };
    if (dto.displayName !== undefined) {
      set.displayName = dto.displayName;
      set.norm = { ...current.norm, displayName: normalizeText(dto.displayName) };
    }
    const unset = configuration.defaultSort === undefined ? { defaultSort: 1 } : {};
    delete set.defaultSort;
    if (configuration.defaultSort !== undefined) set.defaultSort = configuration.defaultSort;

    // The version in the filter makes the write conditional: a concurrent change turns it into a 412.
    const updated = await this.tabs
      .forTenant(user.tenantId)
      .findOneAndUpdate(
        { _id: tabId, version: current.version },
        { $set: set, $unset: unset, $inc: { version: 1 } },
      );
    this.cache.delete(this.cacheKey(user.tenantId, tabId));
    if (!updated) throw preconditionFailed();
    await this.invalidation.announce('tab', this.cacheKey(user.tenantId, tabId));
    if (removedKeys.length > 0) await this.content.removeCustomFieldValues(user.tenantId, tabId, removedKeys);
    this.cache.set(this.cacheKey(user.tenantId, tabId), updated);
    return toTabDto(updated);
  }

  private async applyDelete(user: AuthenticatedUser, tabId: string, ifMatch?: string): Promise<void> {
    const expected = versionFromIfMatch(ifMatch);
    const current = await this.findTab(user, tabId, { fresh: true });
    this.assertCanConfigure(user, current);
    if (expected !== undefined && expected !== current.version) throw preconditionFailed();
    const deleted = await this.tabs
      .forTenant(user.tenantId)
      .deleteOne({ _id: tabId, version: current.version });
    this.cache.delete(this.cacheKey(user.tenantId, tabId));
    if (deleted === 0) throw preconditionFailed();
    await this.invalidation.announce('tab', this.cacheKey(user.tenantId, tabId));
    await this.content.removeTabContent(user.tenantId, tabId);
    await this.channels.deleteIfUnused(user.tenantId, current.channelId);
  }

  /**
   * A tab of the caller's tenant, from the cache when fresh enough; another tenant's tab is a 404, as is
   * an id that never existed. Exported for the contacts module, which reads the configuration per request.
   */
  async findTab(user: AuthenticatedUser, tabId: string, options: { fresh?: boolean } = {}): Promise<Tab> {
    const key = this.cacheKey(user.tenantId, tabId);
    if (!options.fresh) {
      const cached = this.cache.get(key);
      if (cached) return cached;
    }
    const generation = this.invalidation.generation;
    const tab = await this.tabs.forTenant(user.tenantId).findById(tabId);
    if (!tab) throw tabNotFound();
    // An invalidation that arrived during the read may be about this very tab: then it is not cached.
    if (generation === this.invalidation.generation) this.cache.set(key, tab);
    return tab;
  }

  /** Who edits the contacts of a tab: its `contactEditors`, and always its owners and administrators. */
  canEditContacts(user: AuthenticatedUser, tab: Tab): boolean {
    if (user.isAdmin || tab.permissions.owners.includes(user.userId)) return true;
    const editors: ContactEditors = tab.permissions.contactEditors;
    if (editors === 'everyone') return true;
    return editors === 'members' && tab.permissions.members.includes(user.userId);
  }

  assertCanEditContacts(user: AuthenticatedUser, tab: Tab): void {
    if (!this.canEditContacts(user, tab)) {
      throw ApiError.forbidden("This tab's permissions do not let you edit its contacts.");
    }
  }

  /** The tab, for a write of its contacts: a 404 as {@link findTab}, a 403 for a caller who may not edit them. */
  async findTabToEditContacts(user: AuthenticatedUser, tabId: string): Promise<Tab> {
    const tab = await this.findTab(user, tabId);
    this.assertCanEditContacts(user, tab);
    return tab;
  }

  /** Drops the cached configuration of a tenant's tabs (after its data is purged). */
  forgetTenant(tenantId: string): void {
    this.cache.deletePrefix(`${tenantId}|`);
  }

  private assertCanConfigure(user: AuthenticatedUser, tab: Tab): void {
    if (user.isAdmin || tab.permissions.owners.includes(user.userId)) return;
    throw ApiError.forbidden("Only the tab's owners and tenant administrators change its configuration.");
  }

  private cacheKey(tenantId: string, tabId: string): string {
    return `${tenantId}|${tabId}`;
  }

  /** The configuration a create or update will store: given values over `base`, checked as a whole. */
  private configurationOf(dto: TabConfigurationDto, base: TabConfiguration): TabConfiguration {
    const customFields =
      dto.customFields?.map((field): CustomFieldDefinition => ({
        key: field.key,
        label: field.label,
        type: field.type,
        required: field.required ?? false,
        ...(field.choices
          ? {
              choices: field.choices.map((c) => ({ value: c.value, ...(c.color ? { color: c.color } : {}) })),
            }
          : {}),
        ...(field.maxLength !== undefined ? { maxLength: field.maxLength } : {}),
      })) ?? base.customFields;
    const categories = dto.categories?.map((c) => ({ name: c.name, color: c.color })) ?? base.categories;
    const given = dto.fields?.map((f) => ({
      key: f.key,
      visible: f.visible,
      ...(f.label !== undefined ? { label: f.label } : {}),
    }));
    const permissions = {
      contactEditors: dto.permissions?.contactEditors ?? base.permissions.contactEditors,
      owners: unique(dto.permissions?.owners ?? base.permissions.owners),
      members: unique(dto.permissions?.members ?? base.permissions.members),
    };
    const defaultSort =
      dto.defaultSort === null
        ? undefined
        : dto.defaultSort
          ? { property: dto.defaultSort.property, direction: dto.defaultSort.direction ?? 'asc' }
          : base.defaultSort;

    const problems = tabConfigurationProblems({
      fields: given ?? [],
      customFields,
      categories,
      defaultSort,
    });
    if (problems.length > 0)
      throw ApiError.badRequest('The tab configuration is invalid: see details.', undefined, problems);
    return {
      fields: completeLayout(given ?? base.fields, customFields),
      customFields,
      categories,
      permissions,
      ...(defaultSort ? { defaultSort } : {}),
    };
  }

  /**
   * A custom field's type cannot change while contacts hold values for it (409); removed fields are
   * returned so their values leave the contacts once the tab is saved.
   */
  private async checkCustomFieldChanges(
    tenantId: string,
    current: Tab,
    next: CustomFieldDefinition[],
  ): Promise<string[]> {
    const nextByKey = new Map(next.map((field) => [field.key, field]));
    const conflicts: ApiErrorDetail[] = [];
    for (const field of current.customFields) {
      const changed = nextByKey.get(field.key);
      if (!changed || changed.type === field.type) continue;
      const count = await this.content.countCustomFieldValues(tenantId, current._id, field.key);
      if (count > 0) {
        conflicts.push({
          code: 'FieldInUse',
          target: `customFields.${next.indexOf(changed)}.type`,
          message: `${count} contacts hold a value for '${field.key}': its type cannot change from ${field.type} to ${changed.type}`,
        });
      }
    }
    if (conflicts.length > 0) {
      throw ApiError.conflict('A custom field in use cannot change its type.', 'customFields', conflicts);
    }
    return current.customFields.filter((field) => !nextByKey.has(field.key)).map((field) => field.key);
  }
}
