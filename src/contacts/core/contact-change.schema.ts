import { Prop } from '@nestjs/mongoose';
import {
  TenantOwnedDocument,
  TenantOwnedSchema,
  tenantOwnedSchemaFor,
} from '../../common/persistence/tenant-owned.schema';

/** A reservation of change numbers whose writes have not finished yet. */
export interface PendingChange {
  /** The first number reserved; absent for the instant between reserving and recording it. */
  first?: number;
  /** After this the writer is presumed dead and the reservation no longer holds delta links back. */
  expiresAt: Date;
}

/**
 * The change sequence of one tab: `last` is the highest change number handed out; `pending` maps each
 * reservation still being written to where it starts. Delta sync reads both in one document to know up to
 * where every change is committed (see ContactChangeLog). `_id` is `<tenantId>|<tabId>`.
 */
@TenantOwnedSchema('contactChangeSequences')
export class ContactChangeSequence extends TenantOwnedDocument {
  @Prop({ required: true })
  tabId: string;

  // No defaults: an upsert's $inc and $set must be the only writers of these paths.
  @Prop({ required: true })
  last: number;

  @Prop({ type: Object })
  pending?: Record<string, PendingChange>;
}

export const ContactChangeSequenceSchema = tenantOwnedSchemaFor(ContactChangeSequence);
ContactChangeSequenceSchema.index({ tenantId: 1, tabId: 1 });

/**
 * What remains of a deleted contact, so that delta sync can tell clients it is gone. Kept for the delta
 * retention period (DELTA_RETENTION_SECONDS); a delta link older than that answers 410. `_id` is the
 * deleted contact's id.
 */
@TenantOwnedSchema('contactTombstones')
export class ContactTombstone extends TenantOwnedDocument {
  @Prop({ required: true })
  tabId: string;

  @Prop({ required: true })
  changeSeq: number;

  @Prop({ required: true })
  deletedDateTime: Date;
}

export const ContactTombstoneSchema = tenantOwnedSchemaFor(ContactTombstone);
ContactTombstoneSchema.index({ tenantId: 1, tabId: 1, changeSeq: 1 });
ContactTombstoneSchema.index({ tenantId: 1, tabId: 1, deletedDateTime: 1 });
