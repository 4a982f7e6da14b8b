import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../../auth';
import { ApiError } from '../../common/errors/api-error';
import { InjectTenantRepository } from '../../common/persistence/tenant-repository.providers';
import type { TenantRepository } from '../../common/persistence/tenant-scope';
import { AppConfig } from '../../config/app-config';
import {
  ODATA_LIMITS,
  openToken,
  parseSelect,
  pickSelected,
  sealToken,
  type ODataRequest,
  type SystemQueryOption,
} from '../../odata';
import { odataError, quoteInput } from '../../odata/odata-error';
import type { Tab } from '../../tabs/tab.schema';
import { TabsService } from '../../tabs/tabs.service';
import { CHANGE_WRITE_TIMEOUT_MS, ContactChangeLog } from '../core/contact-changes';
import { contactModelOf } from '../core/contact.entity-model';
import { toContactResource, type ContactResource } from '../core/contact-mapping';
import { Contact } from '../core/contact.schema';

/** A deleted contact as a delta response reports it. */
export interface RemovedContact {
  id: string;
  '@removed': { reason: 'deleted' };
}

export interface ContactDelta {
  '@odata.context': string;
  value: Array<ContactResource | RemovedContact>;
  /** The next page of this round. */
  '@odata.nextLink'?: string;
  /** On the last page: the link that returns what changes from now on. */
  '@odata.deltaLink'?: string;
}

/** Where a round stands; carried by `$skiptoken` between its pages. */
interface RoundState {
  /** Tenant and tab the token belongs to. */
  t: string;
  b: string;
  /** Changes numbered above this are still to be returned in this round… */
  c: number;
  /** …up to this number (the highest handed out when the round began). */
  x: number;
  /** The watermark the round's delta link will carry: every change up to it was committed. */
  n: number;
  /** 1 in the first round, which returns contacts only (no deletions to report yet). */
  i: 0 | 1;
  /** When the watermark the round started from was established (ms): the retention clock. */
  a: number;
  /** `$select` text of the first request, or null. */
  s: string | null;
  /** Page size. */
  p: number;
}

/** What a delta link carries: the watermark (changes above it are new to the client) and the options. */
interface LinkState {
  t: string;
  b: string;
  w: number;
  a: number;
  s: string | null;
  p: number;
}

const DELTA_OPTIONS: ReadonlySet<SystemQueryOption> = new Set([
  '$select',
  '$top',
  '$skiptoken',
  '$deltatoken',
]);
const DEFAULT_PAGE_SIZE = 100;
/** Stored paths a delta response never needs. */
const DELTA_EXCLUSION = { searchKeys: 0 };

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Delta sync of a tab's contacts (Microsoft Graph's delta query). Each round returns the contacts whose
 * change number (`changeSeq`) is above the client's watermark and up to the highest number handed out
 * when the round began, in change order, plus the deletions in that range; it ends with a delta link
 * carrying the new watermark: the highest number below which no write was still in progress at the
 * round's start. A write that commits late, or that moves a contact past the round's range while the
 * client pages, is therefore in this round or the next: never lost, sometimes delivered twice.
 */
@Injectable()
export class ContactDeltaService {
  constructor(
    @InjectTenantRepository(Contact.name) private readonly contacts: TenantRepository<Contact>,
    private readonly tabs: TabsService,
    private readonly changes: ContactChangeLog,
    private readonly config: AppConfig,
  ) {}

  async delta(user: AuthenticatedUser, tabId: string, request: ODataRequest): Promise<ContactDelta> {
    const tab = await this.tabs.findTab(user, tabId);
    const round = await this.roundFor(user, tab, request);
    const select = parseSelect(round.s ?? undefined, contactModelOf(tab));
    const range = { $gt: round.c, $lte: round.x };
    const [changed, removed] = await Promise.all([
      this.contacts
        .forTenant(user.tenantId)
        .find(
          { tabId: tab._id, changeSeq: range },
          { sort: { changeSeq: 1 }, limit: round.p + 1, projection: DELTA_EXCLUSION },
        ),
      round.i ? [] : this.changes.deletionsBetween(user.tenantId, tab._id, round.c, round.x, round.p + 1),
    ]);

    const merged = [
      ...changed.map((contact) => ({ seq: contact.changeSeq, contact })),
      ...removed.map((tombstone) => ({ seq: tombstone.changeSeq, id: tombstone._id })),
    ].sort((left, right) => left.seq - right.seq);
    const page = merged.slice(0, round.p);
    const value = page.map((entry): ContactResource | RemovedContact =>
      'contact' in entry
        ? pickSelected(toContactResource(entry.contact, user.userId), select)
        : { id: entry.id, '@removed': { reason: 'deleted' } },
    );

    const body: ContactDelta = {
      '@odata.context': `${request.origin}/api/v1/$metadata#contacts/$delta`,
      value,
    };
    if (merged.length > round.p) {
      const next: RoundState = { ...round, c: page[page.length - 1].seq };
      body['@odata.nextLink'] = `${request.url}?$skiptoken=${encodeURIComponent(this.seal(next))}`;
    } else {
      const link: LinkState = { t: round.t, b: round.b, w: round.n, a: round.a, s: round.s, p: round.p };
      body['@odata.deltaLink'] = `${request.url}?$deltatoken=${encodeURIComponent(this.seal(link))}`;
    }
    return body;
  }

  /** The round and page a request asks for: a new first round, the next page, or a new round. */
  private async roundFor(user: AuthenticatedUser, tab: Tab, request: ODataRequest): Promise<RoundState> {
    const { options } = request;
    for (const name of Object.keys(options) as SystemQueryOption[]) {
      if (!DELTA_OPTIONS.has(name)) {
        throw odataError(name, `${name} is not supported by delta: it supports $select and $top.`);
      }
    }
    const token = options.$skiptoken ?? options.$deltatoken;
    if (options.$skiptoken !== undefined && options.$deltatoken !== undefined) {
      throw odataError('$deltatoken', 'Send either $skiptoken or $deltatoken, not both.');
    }
    if (token !== undefined && (options.$select !== undefined || options.$top !== undefined)) {
      throw odataError(
        options.$select !== undefined ? '$select' : '$top',
        'A delta or next link carries the options of the first request: follow it as it was returned.',
      );
    }
    if (options.$skiptoken !== undefined) return this.open('$skiptoken', options.$skiptoken, user, tab);

    const now = Date.now();
    if (options.$deltatoken !== undefined) {
      const link = this.open('$deltatoken', options.$deltatoken, user, tab);
      if (now - link.a > this.config.deltaRetentionSeconds * 1000) throw resyncRequired();
      await this.changes.purgeDeletions(
        user.tenantId,
        tab._id,
        new Date(now - this.config.deltaRetentionSeconds * 1000 - CHANGE_WRITE_TIMEOUT_MS),
      );
      const horizon = await this.changes.horizon(user.tenantId, tab._id, link.w);
      return {
        t: link.t,
        b: link.b,
        c: link.w,
        x: horizon.last,
        n: horizon.committed,
        i: 0,
        a: now,
        s: link.s,
        p: link.p,
      };
    }

    // The first round: check the options now, so that a bad $select fails before any link is issued.
    if (options.$select !== undefined) parseSelect(options.$select, contactModelOf(tab));
    const horizon = await this.changes.horizon(user.tenantId, tab._id, 0);
    return {
      t: user.tenantId,
      b: tab._id,
      c: 0,
      x: horizon.last,
      n: horizon.committed,
      i: 1,
      a: now,
      s: options.$select ?? null,
      p: pageSizeOf(options.$top),
    };
  }

  private seal(state: RoundState | LinkState): string {
    return sealToken(state, this.config.pagingTokenSecret);
  }

  /** Reads a token of this tenant's tab; anything else is a 400 naming the option. */
  private open(option: '$skiptoken', token: string, user: AuthenticatedUser, tab: Tab): RoundState;
  private open(option: '$deltatoken', token: string, user: AuthenticatedUser, tab: Tab): LinkState;
  private open(
    option: '$skiptoken' | '$deltatoken',
    token: string,
    user: AuthenticatedUser,
    tab: Tab,
  ): RoundState | LinkState {
    const invalid = (why: string) =>
      odataError(option, `The ${option} is not valid (${why}); follow the link exactly as it was returned.`);
    const opened = openToken(token, this.config.pagingTokenSecret);
    if ('problem' in opened) throw invalid(opened.problem === 'altered' ? 'it was altered' : 'malformed');
    const state = opened.payload as Partial<RoundState & LinkState> | null;
    if (!state || typeof state !== 'object') throw invalid('malformed');
    if (state.t !== user.tenantId || state.b !== tab._id) throw invalid('it was issued for another tab');
    const shared =
      isCount(state.a) &&
      isCount(state.p) &&
      state.p >= 1 &&
      state.p <= ODATA_LIMITS.maxPageSize &&
      (state.s === null || typeof state.s === 'string');
    const fits =
      option === '$skiptoken'
        ? isCount(state.c) && isCount(state.x) && isCount(state.n) && (state.i === 0 || state.i === 1)
        : isCount(state.w);
    if (!shared || !fits) throw invalid('malformed');
    return state as RoundState | LinkState;
  }
}

function pageSizeOf(top: string | undefined): number {
  if (top === undefined) return DEFAULT_PAGE_SIZE;
  const size = /^\d{1,9}$/.test(top.trim()) ? Number(top.trim()) : NaN;
  if (!(size >= 1 && size <= ODATA_LIMITS.maxPageSize)) {
    throw odataError(
      '$top',
      `$top on delta is the page size, from 1 to ${ODATA_LIMITS.maxPageSize}, not ${quoteInput(top)}.`,
    );
  }
  return size;
}

function resyncRequired(): ApiError {
  return ApiError.gone(
    'This delta link is older than the period deletions are kept for: start over with a delta request without a token.',
    '$deltatoken',
    { code: 'ResyncRequired' },
  );
}
