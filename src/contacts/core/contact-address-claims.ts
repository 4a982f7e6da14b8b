import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../common/errors/api-error';
import { InjectTenantRepository } from '../../common/persistence/tenant-repository.providers';
import type { TenantRepository, TenantScope } from '../../common/persistence/tenant-scope';
import { ContactAddressClaim } from './contact-address-claim.schema';

const DUPLICATE_KEY = 11000;
/** Far longer than a create takes; only a create whose instance died leaves a claim this long. */
export const ADDRESS_CLAIM_LEASE_MS = 10_000;

/**
 * The duplicate check of a create, made safe across instances: the create claims each of its addresses
 * (an insert under a unique `_id`) before it looks for contacts that have them, and gives the claims back
 * after its insert. A second create of the same address meanwhile, on any instance, is refused as a
 * duplicate, so two creates can never both pass the check.
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
        const id = `${tenantId}|${tabId}|${address}`;
        if (!(await claim(scope, id, holder))) throw beingCreated(address);
        held.push(id);
      }
      return await create();
    } finally {
      if (held.length > 0) await scope.deleteMany({ _id: { $in: held }, holder });
    }
  }
}

/** Takes the claim, or an expired one; false when a live create holds it. */
async function claim(scope: TenantScope<ContactAddressClaim>, id: string, holder: string): Promise<boolean> {
  const expiresAt = new Date(Date.now() + ADDRESS_CLAIM_LEASE_MS);
  try {
    await scope.insert({ _id: id, holder, expiresAt });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
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
