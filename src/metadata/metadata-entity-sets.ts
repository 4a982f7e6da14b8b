import { channelModel } from '../channels/channel.entity-model';
import { contactModel } from '../contacts/contact.entity-model';
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
    // Each tab defines its own custom fields, queried as `customFields/<key>`.
    { model: contactModel, dynamicProperties: ['customFields'] },
  ],
};
