import { CONTACT_TEXT_FIELDS } from '../../contact-fields';
import type { UserReference } from '../../common/persistence/tenant-owned.schema';
import type { StoredContactFields } from './contact-mapping';
import type { Contact } from './contact.schema';

/*
 * The documents and updates every write of a contact builds (the API's one by one, an import's in
 * batches), so that both store a contact the same way.
 */

/** Stored paths never sent to the API: lists leave them in the database. */
export const LIST_EXCLUSION = { searchKeys: 0 };

/** A contact as first stored: nobody's favourite yet, version 1. */
export function newContact(
  id: string,
  tabId: string,
  stored: StoredContactFields,
  author: UserReference,
  now: Date,
  changeSeq: number,
): Omit<Contact, 'tenantId'> {
  return {
    _id: id,
    tabId,
    ...stored,
    favoritedBy: [],
    createdBy: author,
    lastModifiedBy: author,
    createdDateTime: now,
    lastModifiedDateTime: now,
    version: 1,
    changeSeq,
  };
}

/** The update that makes a stored contact's content equal to `stored`: absent optional fields unset. */
export function replacementOf(stored: StoredContactFields): {
  $set: Record<string, unknown>;
  $unset: Record<string, 1>;
} {
  const $set: Record<string, unknown> = {};
  const $unset: Record<string, 1> = {};
  for (const [key, value] of Object.entries(stored)) if (value !== undefined) $set[key] = value;
  for (const key of [...CONTACT_TEXT_FIELDS, 'birthday', 'notes'] as const) {
    if (stored[key] === undefined) $unset[key] = 1;
  }
  return { $set, $unset };
}
