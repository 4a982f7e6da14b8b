import { Injectable } from '@nestjs/common';
import { ExtensionPoint } from '../common/extension-point';

/** A module whose records live in channels (the tabs module): a channel it holds is not deleted. */
export interface ChannelHolder {
  holdsChannel(tenantId: string, channelId: string): Promise<boolean>;
}

/** Where the modules that live in channels plug in, so that channels can ask (channels cannot see tabs). */
@Injectable()
export class ChannelHolders extends ExtensionPoint<ChannelHolder> implements ChannelHolder {
  async holdsChannel(tenantId: string, channelId: string): Promise<boolean> {
    for (const holder of this.plugged) if (await holder.holdsChannel(tenantId, channelId)) return true;
    return false;
  }
}
