import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { types } from 'node:util';
import { ODATA_LIMITS } from './limits';
import { odataError } from './odata-error';
import type { SortKey } from './orderby';

/** A sort value as carried in a token: dates are tagged so that they come back as dates. */
type EncodedValue = string | number | boolean | null | { d: string };

/** Where the next page starts: the last row's sort values (one per effective sort key, id last). */
export interface KeysetPosition {
  values: unknown[];
}

interface TokenPayload {
  /** Hash of the canonical query the token was issued for. */
  q: string;
  /** Sort values of the last row. */
  v: EncodedValue[];
}

/** A short hash of the canonical query (filter, search, order, select): a token is valid only for it. */
export function queryHash(canonical: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 22);
}

function sign(payload: string, secret: string | Buffer): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

function encodeValue(value: unknown): EncodedValue {
  if (value === undefined || value === null) return null;
  if (types.isDate(value)) return { d: value.toISOString() };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new Error(`a sort value of type ${typeof value} cannot be carried in a $skiptoken`);
}

/** An opaque, tamper-proof token carrying `payload` (JSON, readable but HMAC-signed). */
export function sealToken(payload: unknown, secret: string | Buffer): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(body, secret)}`;
}

const TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/** What a sealed token carries, or why it cannot be read: `malformed` or `altered`. */
export function openToken(
  token: string,
  secret: string | Buffer,
): { payload: unknown } | { problem: 'malformed' | 'altered' } {
  if (token.length > ODATA_LIMITS.maxOptionLength || !TOKEN.test(token)) return { problem: 'malformed' };
  const [body, signature] = token.split('.');
  const expected = Buffer.from(sign(body, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { problem: 'altered' };
  try {
    return { payload: JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown };
  } catch {
    return { problem: 'malformed' };
  }
}

/** Builds an opaque, HMAC-protected `$skiptoken` for the row after `position`. */
export function createSkiptoken(position: KeysetPosition, hash: string, secret: string | Buffer): string {
  const payload: TokenPayload = { q: hash, v: position.values.map(encodeValue) };
  return sealToken(payload, secret);
}

/**
 * Checks and decodes a `$skiptoken`. A changed, truncated or foreign token (made for another query or
 * with another secret) is a 400; so is a token whose values do not fit the current sort keys.
 */
export function readSkiptoken(
  token: string,
  hash: string,
  keys: SortKey[],
  secret: string | Buffer,
): KeysetPosition {
  const invalid = (why: string) =>
    odataError(
      '$skiptoken',
      `The $skiptoken is not valid (${why}); follow @odata.nextLink exactly as it was returned.`,
    );
  const opened = openToken(token, secret);
  if ('problem' in opened) throw invalid(opened.problem === 'altered' ? 'it was altered' : 'malformed');
  const payload = opened.payload as TokenPayload;
  if (!payload || typeof payload !== 'object') throw invalid('malformed');
  if (payload.q !== hash) throw invalid('it was issued for a different query');
  if (!Array.isArray(payload.v) || payload.v.length !== keys.length)
    throw invalid('it does not fit the sort order');
  const values = payload.v.map((value, index) => decodeValue(value, keys[index]));
  if (values.some((value) => value === undefined)) throw invalid('it does not fit the sort order');
  return { values };
}

function decodeValue(value: EncodedValue, key: SortKey): unknown {
  if (value === null) return null;
  switch (key.type) {
    case 'Edm.DateTimeOffset': {
      if (typeof value !== 'object' || typeof value.d !== 'string') return undefined;
      const date = new Date(value.d);
      return Number.isNaN(date.getTime()) ? undefined : date;
    }
    case 'Edm.Int32':
    case 'Edm.Double':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'Edm.Boolean':
      return typeof value === 'boolean' ? value : undefined;
    default:
      return typeof value === 'string' ? value : undefined;
  }
}
