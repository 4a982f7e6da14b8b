import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { KeyedSerializer } from '../../common/persistence/keyed-serializer';
import { InjectTenantRepository } from '../../common/persistence/tenant-repository.providers';
import type { TenantRepository } from '../../common/persistence/tenant-scope';
import { ContactChangeSequence, ContactTombstone, type PendingChange } from './contact-change.schema';

/**
 * How long a reservation may stay unreleased before its writer is presumed dead. Far above the request
 * timeout and an import batch, so a live writer never outlasts it; a dead one holds delta links back (they
 * then deliver some changes twice, never lose one) for at most this long.
 */
export const CHANGE_WRITE_TIMEOUT_MS = 5 * 60_000;

/** Change numbers reserved for writes to one tab: `first`…`last`, one per contact written. */
export interface ChangeReservation {
  first: number;
  last: number;
  /** Call once the writes are done or have failed; idempotent. */
  release(): Promise<void>;
}

export interface ChangeHorizon {
  /** Every change numbered up to here is committed (or its writer died). */
  committed: number;
  /** The highest number handed out so far. */
  last: number;
}

function sequenceKey(tenantId: string, tabId: string): string {
  return `${tenantId}|${tabId}`;
}

/**
 * The change sequence of each tab, on which delta sync rests. Every write of a contact (create, update,
 * favourite, import, delete) takes a number from its tab's sequence and stores it as `changeSeq` (a
 * deletion stores it on the contact's tombstone). A reservation stays listed as pending until released,
 * so a delta round can tell the highest number below which nothing is still being written: wall-clock
 * times cannot, as a write that started earlier may commit later.
 */
@Injectable()
export class ContactChangeLog {
  /** The sequence document of a tab is updated by one write at a time here (see KeyedSerializer). */
  private readonly updates = new KeyedSerializer();

  constructor(
    @InjectTenantRepository(ContactChangeSequence.name)
    private readonly sequences: TenantRepository<ContactChangeSequence>,
    @InjectTenantRepository(ContactTombstone.name)
    private readonly tombstones: TenantRepository<ContactTombstone>,
  ) {}

  /** Reserves `count` consecutive change numbers of the tab. */
  async reserve(tenantId: string, tabId: string, count = 1): Promise<ChangeReservation> {
    if (!Number.isSafeInteger(count) || count < 1) throw new Error(`cannot reserve ${count} change numbers`);
    const key = sequenceKey(tenantId, tabId);
    const scope = this.sequences.forTenant(tenantId);
    const reservation = randomUUID().replaceAll('-', '');
    const path = `pending.${reservation}`;
    const first = await this.updates.run(key, async () => {
      const now = Date.now();
      const pending: PendingChange = { expiresAt: new Date(now + CHANGE_WRITE_TIMEOUT_MS) };
      // One update raises `last` and lists the reservation, so no reader sees the one without the other.
      const sequence = await scope.upsert(
        { _id: key, tabId },
        { $inc: { last: count }, $set: { [path]: pending } },
      );
      const start = sequence.last - count + 1;
      const expired = Object.entries(sequence.pending ?? {})
        .filter(([, change]) => new Date(change.expiresAt).getTime() <= now)
        .map(([id]) => [`pending.${id}`, 1] as const);
      await scope.updateOne(
        { _id: key },
        {
          $set: { [`${path}.first`]: start },
          ...(expired.length ? { $unset: Object.fromEntries(expired) } : {}),
        },
      );
      return start;
    });
    let released = false;
    return {
      first,
      last: first + count - 1,
      release: async () => {
        if (released) return;
        released = true;
        await this.updates.run(key, () => scope.updateOne({ _id: key }, { $unset: { [path]: 1 } }));
      },
    };
  }

  /** Runs `write` with `count` change numbers of the tab, releasing them whatever happens. */
  async within<T>(
    tenantId: string,
    tabId: string,
    count: number,
    write: (reservation: ChangeReservation) => Promise<T>,
  ): Promise<T> {
    const reservation = await this.reserve(tenantId, tabId, count);
    try {
      return await write(reservation);
    } finally {
      // A release that fails (database gone) must not turn a done write into an error: the reservation
      // expires by itself, and until then delta links only hold back.
      await reservation.release().catch(() => undefined);
    }
  }

  /**
   * Up to where the tab's changes are committed. `floor` is what the caller already knows to be
   * committed: a reservation caught between its two steps (number not yet recorded) keeps it there.
   */
  async horizon(tenantId: string, tabId: string, floor: number): Promise<ChangeHorizon> {
    const key = sequenceKey(tenantId, tabId);
    const sequence = await this.sequences.forTenant(tenantId).findOne({ _id: key, tabId });
    if (!sequence) return { committed: floor, last: floor };
    const now = Date.now();
    let committed = sequence.last;
    for (const change of Object.values(sequence.pending ?? {})) {
      if (new Date(change.expiresAt).getTime() <= now) continue;
      committed = Math.min(committed, change.first === undefined ? floor : change.first - 1);
    }
    return { committed: Math.max(committed, floor), last: sequence.last };
  }

  /** Records a contact's deletion under change number `changeSeq`. */
  async recordDeletion(tenantId: string, tabId: string, contactId: string, changeSeq: number): Promise<void> {
    await this.tombstones
      .forTenant(tenantId)
      .upsert({ _id: contactId, tabId }, { $set: { changeSeq, deletedDateTime: new Date() } });
  }

  /** Takes back a deletion that did not happen (the contact was not deleted after all). */
  async forgetDeletion(tenantId: string, tabId: string, contactId: string): Promise<void> {
    await this.tombstones.forTenant(tenantId).deleteOne({ _id: contactId, tabId });
  }

  /** Deletions numbered in (after, upTo], in order, at most `limit`. */
  deletionsBetween(
    tenantId: string,
    tabId: string,
    after: number,
    upTo: number,
    limit: number,
  ): Promise<ContactTombstone[]> {
    return this.tombstones
      .forTenant(tenantId)
      .find(
        { tabId, changeSeq: { $gt: after, $lte: upTo } },
        { sort: { changeSeq: 1 }, limit, projection: { _id: 1, changeSeq: 1 } },
      );
  }

  /** Drops the tab's tombstones older than `before` (past the retention period). */
  async purgeDeletions(tenantId: string, tabId: string, before: Date): Promise<void> {
    await this.tombstones.forTenant(tenantId).deleteMany({ tabId, deletedDateTime: { $lt: before } });
  }

  /** Forgets a deleted tab's sequence and tombstones. */
  async forgetTab(tenantId: string, tabId: string): Promise<void> {
    await this.tombstones.forTenant(tenantId).deleteMany({ tabId });
    await this.sequences.forTenant(tenantId).deleteMany({ tabId });
  }
}
