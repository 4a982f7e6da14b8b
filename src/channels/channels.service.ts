import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth';
import { ApiError } from '../common/errors/api-error';
import { InjectTenantRepository } from '../common/persistence/tenant-repository.providers';
import type { TenantRepository } from '../common/persistence/tenant-scope';
import { AppConfig } from '../config/app-config';
import { normalizeText, type ODataCollection, type ODataQuery } from '../odata';
import { ChannelHolders } from './channel-holders';
import { Channel } from './channel.schema';
import { CHANNEL_ID, CHANNEL_ID_MESSAGE } from './dto/channel-id';
import { ChannelDto } from './dto/channel.dto';
import { PutChannelDto } from './dto/put-channel.dto';

export function toChannelDto(document: Partial<Channel>): ChannelDto {
  return {
    id: document.channelId as string,
    displayName: document.displayName as string,
    teamId: document.teamId ?? null,
    teamName: document.teamName ?? null,
    createdDateTime: document.createdDateTime as Date,
    lastModifiedDateTime: document.lastModifiedDateTime as Date,
  };
}

/** `_id` of a channel document: the same Teams id can never collide across tenants. */
function channelKey(tenantId: string, channelId: string): string {
  return `${tenantId}|${channelId}`;
}

/**
 * Teams channels (id and name) that hold Contact Pro tabs. Never cached: the product promises that
 * channel data is accessed and stored only.
 */
@Injectable()
export class ChannelsService {
  constructor(
    @InjectTenantRepository(Channel.name) private readonly channels: TenantRepository<Channel>,
    private readonly config: AppConfig,
    private readonly holders: ChannelHolders,
  ) {}

  /** Creates or updates a channel record (idempotent); `created` says which. */
  async upsert(
    user: AuthenticatedUser,
    channelId: string,
    details: PutChannelDto,
  ): Promise<{ channel: ChannelDto; created: boolean }> {
    assertChannelId(channelId);
    const now = new Date();
    const set: Partial<Channel> = {
      displayName: details.displayName,
      norm: { displayName: normalizeText(details.displayName), channelId: normalizeText(channelId) },
      lastModifiedDateTime: now,
    };
    if (details.teamId !== undefined) set.teamId = details.teamId;
    if (details.teamName !== undefined) set.teamName = details.teamName;
    const document = await this.channels
      .forTenant(user.tenantId)
      .upsert(
        { _id: channelKey(user.tenantId, channelId) },
        { $set: set, $setOnInsert: { channelId, createdDateTime: now } },
      );
    return { channel: toChannelDto(document), created: document.createdDateTime.getTime() === now.getTime() };
  }

  async get(user: AuthenticatedUser, channelId: string): Promise<ChannelDto> {
    const document = CHANNEL_ID.test(channelId)
      ? await this.channels.forTenant(user.tenantId).findById(channelKey(user.tenantId, channelId))
      : null;
    if (!document)
      throw ApiError.notFound('No channel with this id holds Contact Pro tabs in your organization.');
    return toChannelDto(document);
  }

  list(user: AuthenticatedUser, query: ODataQuery): Promise<ODataCollection<ChannelDto>> {
    return this.channels.forTenant(user.tenantId).list(query, {
      toResource: toChannelDto,
      skiptokenSecret: this.config.pagingTokenSecret,
    });
  }

  /** Administrators remove a channel record, and only when no tab uses it any more. */
  async delete(user: AuthenticatedUser, channelId: string): Promise<void> {
    await this.get(user, channelId);
    if (await this.holders.holdsChannel(user.tenantId, channelId)) {
      throw ApiError.conflict('Tabs of this channel still use it: delete them first.', 'id');
    }
    await this.channels.forTenant(user.tenantId).deleteOne({ _id: channelKey(user.tenantId, channelId) });
  }

  /** Removes the record once its last tab is gone (the tabs module calls this after a tab delete). */
  async deleteIfUnused(tenantId: string, channelId: string): Promise<void> {
    if (await this.holders.holdsChannel(tenantId, channelId)) return;
    await this.channels.forTenant(tenantId).deleteOne({ _id: channelKey(tenantId, channelId) });
  }
}

export function assertChannelId(channelId: string): void {
  if (!CHANNEL_ID.test(channelId)) throw ApiError.badRequest(CHANNEL_ID_MESSAGE, 'id');
}
