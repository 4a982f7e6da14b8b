import { Injectable, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { SignInHandlers, type AuthenticatedUser, type SignInHandler, type TokenInfo } from '../auth';
import { TenantCaches, type TenantCache } from '../admin/tenant-caches';
import { LruCache } from '../common/lru-cache';
import { isDuplicateKey } from '../common/persistence/duplicate-key';
import { InjectTenantRepository } from '../common/persistence/tenant-repository.providers';
import type { TenantRepository } from '../common/persistence/tenant-scope';
import { AppConfig } from '../config/app-config';
import { CacheInvalidation } from '../shared-state/cache-invalidation';
import { normalizedValues, type ODataCollection, type ODataQuery } from '../odata';
import { UserDto } from './dto/user.dto';
import { GraphProfile, GraphProfileClient } from './graph-profile.client';
import { userModel } from './user.entity-model';
import { userNotFound } from './user-id.pipe';
import { User } from './user.schema';

/** `_id` of a user document, and the key of the cached profile. */
function userKey(tenantId: string, userId: string): string {
  return `${tenantId}|${userId}`;
}

export function toUserDto(document: Partial<User>): UserDto {
  return {
    id: document.userId as string,
    tenantId: document.tenantId as string,
    userPrincipalName: document.userPrincipalName ?? null,
    displayName: document.displayName ?? null,
    mail: document.mail ?? null,
    jobTitle: document.jobTitle ?? null,
    department: document.department ?? null,
    officeLocation: document.officeLocation ?? null,
    businessPhones: document.businessPhones ?? [],
    createdDateTime: document.createdDateTime as Date,
    lastLoginDateTime: document.lastLoginDateTime as Date,
  };
}

/**
 * User profiles. A login (the first request made with a given token) upserts the caller's profile from the
 * token's claims, and from Microsoft Graph when configured; then the login and the profile are cached in
 * process (bounded LRU with a TTL), so steady traffic with the same token touches no database.
 */
@Injectable()
export class UsersService implements SignInHandler, TenantCache, OnModuleInit {
  /** Tokens already signed in, by `<tenant>|<user>|<token hash>`. */
  private readonly logins?: LruCache<true>;
  /** Profiles of signed-in users, by `<tenant>|<user>`. */
  private readonly profiles?: LruCache<UserDto>;
  /** Logins under way, so that concurrent first requests with one token upsert once. */
  private readonly pending = new Map<string, Promise<UserDto>>();

  constructor(
    @InjectTenantRepository(User.name) private readonly users: TenantRepository<User>,
    private readonly graph: GraphProfileClient,
    private readonly config: AppConfig,
    private readonly signIns: SignInHandlers,
    private readonly tenantCaches: TenantCaches,
    private readonly invalidation: CacheInvalidation,
  ) {
    const { maxEntries, ttlSeconds } = config.userProfileCache;
    if (maxEntries > 0) {
      this.logins = new LruCache(maxEntries, ttlSeconds * 1000);
      this.profiles = new LruCache(maxEntries, ttlSeconds * 1000);
    }
  }

  /**
   * Every authenticated request signs in here; a purged tenant's cached logins and profiles go, and a
   * profile that another instance recorded anew leaves this instance's cache.
   */
  onModuleInit(): void {
    this.signIns.plug(this);
    this.tenantCaches.plug(this);
    this.invalidation.subscribe('user', (key) =>
      key === undefined ? this.profiles?.clear() : this.profiles?.delete(key),
    );
  }

  async signIn(user: AuthenticatedUser, token: string, _info: TokenInfo): Promise<void> {
    const profileKey = userKey(user.tenantId, user.userId);
    const loginKey = `${profileKey}|${createHash('sha256').update(token).digest('base64url')}`;
    if (this.logins?.get(loginKey)) return;
    let login = this.pending.get(loginKey);
    if (!login) {
      login = this.recordLogin(user, token).finally(() => this.pending.delete(loginKey));
      this.pending.set(loginKey, login);
    }
    const generation = this.invalidation.generation;
    const profile = await login;
    this.logins?.set(loginKey, true);
    if (generation === this.invalidation.generation) this.profiles?.set(profileKey, profile);
  }

  /** The caller's profile: from the cache after login, else from the database. */
  async me(user: AuthenticatedUser): Promise<UserDto> {
    return this.profiles?.get(userKey(user.tenantId, user.userId)) ?? this.findById(user, user.userId);
  }

  /** A user of the caller's tenant; an id of another tenant is as unknown as an id that never existed. */
  async findById(user: AuthenticatedUser, id: string): Promise<UserDto> {
    const document = await this.users
      .forTenant(user.tenantId)
      .findById(userKey(user.tenantId, id.toLowerCase()));
    if (!document) throw userNotFound();
    return toUserDto(document);
  }

  /** The users of the caller's tenant known to the app, as an OData collection. */
  list(user: AuthenticatedUser, query: ODataQuery): Promise<ODataCollection<UserDto>> {
    return this.users.forTenant(user.tenantId).list(query, {
      toResource: toUserDto,
      skiptokenSecret: this.config.pagingTokenSecret,
    });
  }

  /** Drops the cached logins and profiles of a tenant (after its data is purged). */
  forgetTenant(tenantId: string): void {
    this.logins?.deletePrefix(`${tenantId}|`);
    this.profiles?.deletePrefix(`${tenantId}|`);
  }

  private async recordLogin(user: AuthenticatedUser, token: string): Promise<UserDto> {
    const graph = await this.graph.profileOf(user, token);
    const fields = profileFields(user, graph);
    const now = new Date();
    const update = {
      $set: { ...fields, ...normalizedFields(fields), lastLoginDateTime: now },
      $setOnInsert: { userId: user.userId, createdDateTime: now },
    };
    const scope = this.users.forTenant(user.tenantId);
    const id = userKey(user.tenantId, user.userId);
    let profile: UserDto;
    try {
      profile = toUserDto(await scope.upsert({ _id: id }, update));
    } catch (error) {
      // Two first logins at once may both try the insert: the loser updates the winner's document.
      if (!isDuplicateKey(error)) throw error;
      profile = toUserDto(await scope.upsert({ _id: id }, update));
    }
    await this.invalidation.announce('user', id);
    return profile;
  }
}

/** The stored profile fields of a login: the token's claims, and Graph's fields when it answered. */
function profileFields(user: AuthenticatedUser, graph: GraphProfile | undefined): Partial<User> {
  const fields: Partial<User> = {};
  if (user.upn) fields.userPrincipalName = user.upn;
  if (user.displayName) fields.displayName = user.displayName;
  const mail = graph?.mail ?? user.email;
  if (mail) fields.mail = mail;
  if (graph) {
    fields.jobTitle = graph.jobTitle;
    fields.department = graph.department;
    fields.officeLocation = graph.officeLocation;
    fields.businessPhones = graph.businessPhones;
  }
  return fields;
}

/** `norm.<path>` keys for the fields being written, and only those (the others keep their stored keys). */
function normalizedFields(fields: Partial<User>): Record<string, unknown> {
  const all = normalizedValues(userModel, fields);
  const written: Record<string, unknown> = {};
  for (const property of Object.values(userModel.properties)) {
    if (property.normalizedPath && property.path in fields)
      written[property.normalizedPath] = all[property.normalizedPath];
  }
  return written;
}
