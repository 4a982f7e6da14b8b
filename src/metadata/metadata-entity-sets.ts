import { channelModel } from '../channels/channel.entity-model';
import { contactModel } from '../contacts/core/contact.entity-model';
import type { CsdlOptions } from '../odata';
import { tabModel } from '../tabs/tab.entity-model';
import { userModel } from '../users/user.entity-model';

/**
 * What `$metadata` describes: the entity models the list routes query, so the document states exactly
 * what `$filter`, `$orderby` and `$select` accept. Both contact lists share the `contacts` set; the
 * tab's list model is described (the cross-tab search accepts the same properties, sorting on fewer).
 */
export const SERVICE_SCHEMA: CsdlOptions = {
  namespace: 'ContactPro',
  containerName: 'Container',
  entitySets: [
    { model: userModel },
    { model: channelModel },
    // A tab also carries its configuration (fields, custom fields, categories, permissions): not queryable.
    { model: tabModel, open: true },
    // Each tab defines its own custom fields, queried as `customFields/<key>`; the photo is a media entity
    // contained in the contact (Microsoft Graph's profilePhoto), carried expanded.
    { model: contactModel, dynamicProperties: ['customFields'], containedMedia: { photo: 'profilePhoto' } },
  ],
};

type Entity = Record<string, unknown>;

const segment = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? encodeURIComponent(value) : undefined;

/**
 * The canonical URL of an entity of each set below the service root (its entity-id, `@odata.id`), in
 * the key-as-segment form the routes declare. A contact lives in its tab: the tab comes from the
 * contact, or from the route it was read through.
 */
export const CANONICAL_PATHS: Readonly<
  Record<string, (entity: Entity, params: Readonly<Record<string, string>>) => string | undefined>
> = {
  users: (user) => segment(user.id) && `users/${segment(user.id)}`,
  channels: (channel) => segment(channel.id) && `channels/${segment(channel.id)}`,
  tabs: (tab) => segment(tab.id) && `tabs/${segment(tab.id)}`,
  contacts: (contact, params) => {
    const tab = segment(contact.tabId) ?? segment(params.tabId);
    const id = segment(contact.id);
    return tab && id && `tabs/${tab}/contacts/${id}`;
  },
};

/** Route segments that return an entity of a set without naming it: `me` is the caller's user. */
export const SINGLETON_SEGMENTS: Readonly<Record<string, string>> = { me: 'users' };
