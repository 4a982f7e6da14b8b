import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../errors/api-error';

const PROBLEM = Symbol('contactPro.keyProblem');

type MarkedRequest = IncomingMessage & { [PROBLEM]?: string };

/** The route prefix under which entities are addressed by key. */
const SERVICE_ROOT = '/api/v1/';

/**
 * `users('{id}')`, `contacts({id})`: how standard OData clients (Olingo and others) address an entity
 * by key, rewritten to the key-as-segment form the routes declare (`users/{id}`), or the reason the
 * segment is malformed. `collections` are the names that precede a key in some route.
 */
export function keySegmentPath(path: string, collections: ReadonlySet<string>): string | { problem: string } {
  const segments = path.split('/');
  let changed = false;
  for (let i = 0; i < segments.length; i++) {
    const rewritten = keySegment(segments[i], collections);
    if (rewritten === undefined) continue;
    if (typeof rewritten !== 'string') return rewritten;
    segments[i] = rewritten;
    changed = true;
  }
  return changed ? segments.join('/') : path;
}

/** `name(key)` as `name/<key re-encoded>`; undefined when the segment is no key in parentheses. */
function keySegment(raw: string, collections: ReadonlySet<string>): string | { problem: string } | undefined {
  const open = raw.search(/\(|%28|\)|%29/i);
  if (open <= 0 || !collections.has(raw.slice(0, open))) return undefined;
  const name = raw.slice(0, open);
  let text: string;
  try {
    text = decodeURIComponent(raw.slice(open));
  } catch {
    // Left as it is: the router answers a bad percent-encoding with a 400.
    return undefined;
  }
  if (!text.startsWith('(') || !text.endsWith(')') || text.length < 2) {
    return { problem: `The key of '${name}' must be enclosed in one pair of parentheses: ${name}('…').` };
  }
  const key = unquoted(text.slice(1, -1));
  if (key === undefined) {
    return {
      problem: `The key of '${name}' is not valid: a string key is quoted, with each quote inside it doubled: ${name}('O''Neil').`,
    };
  }
  if (key === '') return { problem: `The key of '${name}' is empty.` };
  return `${name}/${encodeKey(key)}`;
}

/** `'it''s'` → `it's`; an unquoted key as it is; undefined for a stray quote or parenthesis. */
function unquoted(literal: string): string | undefined {
  if (!literal.startsWith("'")) return /['()]/.test(literal) ? undefined : literal;
  if (literal.length < 2 || !literal.endsWith("'")) return undefined;
  const inner = literal.slice(1, -1);
  // Quotes come in doubled pairs only: one left over ends the string early.
  if (inner.replace(/''/g, '').includes("'")) return undefined;
  return inner.replace(/''/g, "'");
}

/** The key as one path segment: percent-encoded, and never a dot segment the URL parser would remove. */
function encodeKey(key: string): string {
  return /^\.{1,2}$/.test(key) ? key.replace(/\./g, '%2E') : encodeURIComponent(key);
}

/**
 * Serves `set('{key}')` and `set({key})` beside `set/{key}` for every route, method, guard, rate limit
 * and `$batch` request alike: Fastify's `rewriteUrl` (it runs before routing, for sockets and injected
 * requests) turns one into the other. A malformed key is a 400 in the error body, answered by the hook.
 */
export function keyParenthesesRewriter(): {
  rewriteUrl: (req: IncomingMessage) => string;
  register: (fastify: FastifyInstance) => void;
} {
  const collections = new Set<string>();
  return {
    rewriteUrl: (req) => {
      const url = req.url ?? '/';
      if (!url.startsWith(SERVICE_ROOT) || collections.size === 0) return url;
      const query = url.indexOf('?');
      const path = query < 0 ? url : url.slice(0, query);
      if (!/[()]|%2[89]/i.test(path)) return url;
      const rewritten = keySegmentPath(path, collections);
      if (typeof rewritten !== 'string') {
        (req as MarkedRequest)[PROBLEM] = rewritten.problem;
        return url;
      }
      return query < 0 ? rewritten : rewritten + url.slice(query);
    },
    register: (fastify) => {
      // A collection is a literal segment followed by a parameter: `tabs/:tabId`, `contacts/:id`.
      fastify.addHook('onRoute', (route) => {
        if (!route.url.startsWith(SERVICE_ROOT)) return;
        const segments = route.url.split('/');
        segments.forEach((segment, i) => {
          if (/^[A-Za-z_]\w*$/.test(segment) && segments[i + 1]?.startsWith(':')) collections.add(segment);
        });
      });
      fastify.addHook('onRequest', async (request) => {
        const problem = (request.raw as MarkedRequest)[PROBLEM];
        if (problem) throw ApiError.badRequest(problem, 'url');
      });
    },
  };
}
