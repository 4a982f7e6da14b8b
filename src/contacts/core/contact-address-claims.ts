import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../../common/errors/api-error';
import { duplicatesOfInsertMany, isDuplicateKey } from '../../common/persistence/duplicate-key';
import { InjectTenantRepository } from '../../common/persistence/tenant-repository.providers';
import type { TenantRepository, TenantScope } from '../../common/persistence/tenant-scope';
import { ContactAddressClaim } from './contact-address-claim.schema';

/** Far longer than a create takes; only a create whose instance died leaves a claim this long. */
export const ADDRESS_CLAIM_LEASE_MS = 10_000;
/** An import batch's write takes longer than a create (a thousand rows). */
export const BATCH_CLAIM_LEASE_MS = 60_000;

/**
 * The duplicate check of a create, made safe across instances: the create claims each of its addresses
 * (an insert under a unique `_id`) before it looks for contacts that have them, and gives the claims back
 * after its insert. A second create of the same address meanwhile, on any instance, is refused as a
 * duplicate, so two creates can never both pass the check. An import claims the addresses of each batch
 * the same way before it looks again for contacts created since it started.
 */
@Injectable()
export class ContactAddressClaims {
  constructor(
    @InjectTenantRepository(ContactAddressClaim.name)
    private readonly claims: TenantRepository<ContactAddressClaim>,
  ) {}

  /** Runs `create` holding every address; a 409 when another create holds one of them. */
  async holding<T>(
    tenantId: string,
    tabId: string,
    addresses: string[],
    create: () => Promise<T>,
  ): Promise<T> {
    const scope = this.claims.forTenant(tenantId);
    const holder = randomUUID();
    const held: string[] = [];
    try {
      // In one order everywhere: of two creates sharing addresses, the first to claim the first one wins.
      for (const address of [...new Set(addresses)].sort()) {
        const id = claimId(tenantId, tabId, address);
        if (!(await claim(scope, id, holder))) throw beingCreated(address);
        held.push(id);
      }
      return await create();
    } finally {
      if (held.length > 0) await scope.deleteMany({ _id: { $in: held }, holder });
    }
  }

  /**
   * Runs an import batch's `write` holding every one of its addresses. They are claimed all at once or not
   * at all: a batch that kept some while it waited for the rest could wait forever on another batch doing
   * the same. While a create holds one (for milliseconds), the batch tries again after a short pause; a
   * claim left by a dead instance lapses after its lease, and one left under the same `holder` (the same
   * job, resumed after its instance died) is taken back at once.
   */
  async holdingBatch<T>(
    tenantId: string,
    tabId: string,
    addresses: string[],
    holder: string,
    write: () => Promise<T>,
  ): Promise<T> {
    const ids = [...new Set(addresses)].map((address) => claimId(tenantId, tabId, address));
    if (ids.length === 0) return write();
    const scope = this.claims.forTenant(tenantId);
    const deadline = Date.now() + BATCH_CLAIM_LEASE_MS + ADDRESS_CLAIM_LEASE_MS;
    for (let attempt = 1; !(await claimAll(scope, ids, holder)); attempt++) {
      if (Date.now() > deadline) {
        throw new Error(
          `the e-mail addresses of an import batch stayed claimed by others for over ${BATCH_CLAIM_LEASE_MS} ms`,
        );
      }
      // Random, growing pauses: two batches that want the same addresses do not keep colliding.
      await sleep(Math.min(1000, 5 * 2 ** attempt) * (0.5 + Math.random()));
    }
    try {
      return await write();
    } finally {
      await scope.deleteMany({ _id: { $in: ids }, holder });
    }
  }
}

function claimId(tenantId: string, tabId: string, address: string): string {
  return `${tenantId}|${tabId}|${address}`;
}

/** Takes every claim (free, expired or already this holder's) or none: true when all are this holder's. */
async function claimAll(
  scope: TenantScope<ContactAddressClaim>,
  ids: string[],
  holder: string,
): Promise<boolean> {
  const expiresAt = new Date(Date.now() + BATCH_CLAIM_LEASE_MS);
  const release = () => scope.deleteMany({ _id: { $in: ids }, holder });
  let stored: string[];
  try {
    await scope.insertMany(
      ids.map((_id) => ({ _id, holder, expiresAt })),
      { ordered: false },
    );
    return true;
  } catch (error) {
    const refused = duplicatesOfInsertMany(error);
    if (!refused) {
      // Some may have been inserted: left there, they would refuse creates until their lease ends.
      await release();
      throw error;
    }
    stored = refused.map((index) => ids[index]);
  }
  // Those already stored: taken when their lease lapsed or when they are this holder's already.
  await scope.updateMany(
    { _id: { $in: stored }, $or: [{ expiresAt: { $lt: new Date() } }, { holder }] },
    { $set: { holder, expiresAt } },
  );
  if ((await scope.count({ _id: { $in: stored }, holder })) === stored.length) return true;
  await release();
  return false;
}

/** Takes the claim, or an expired one; false when a live create holds it. */
async function claim(scope: TenantScope<ContactAddressClaim>, id: string, holder: string): Promise<boolean> {
  const expiresAt = new Date(Date.now() + ADDRESS_CLAIM_LEASE_MS);
  try {
    await scope.insert({ _id: id, holder, expiresAt });
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const taken = await scope.findOneAndUpdate(
    { _id: id, expiresAt: { $lt: new Date() } },
    { $set: { holder, expiresAt } },
  );
  return taken !== null;
}

function beingCreated(address: string): ApiError {
  return ApiError.conflict(
    'A contact with this e-mail address is being created in this tab; send allowDuplicate=true to create it anyway.',
    'emailAddresses',
    [{ code: 'DuplicateContact', message: `Another request is creating a contact with ${address}.` }],
  );
}
