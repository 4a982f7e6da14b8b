import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error';

export interface JsonBounds {
  maxDepth: number;
  maxKeys: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;

/**
 * Why a JSON text exceeds the bounds (nesting, or keys in all), or undefined. One pass over the raw text,
 * before any parsing, so a hostile body costs a scan and never a deep parse or a huge object graph.
 * Colons outside strings are the keys of valid JSON; invalid JSON is left to the parser to refuse.
 */
export function jsonBoundsProblem(text: string, bounds: JsonBounds): string | undefined {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > bounds.maxDepth) return `The JSON body is nested deeper than ${bounds.maxDepth} levels.`;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (c === COLON) {
      if (++keys > bounds.maxKeys) return `The JSON body has more than ${bounds.maxKeys} properties.`;
    }
  }
  return undefined;
}

/** A `\uD800`–`\uDFFF` escape: only such an escape can put a surrogate in a string (UTF-8 cannot). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The dotted path (as validation errors name fields) of the first string, or property name, holding an
 * unpaired UTF-16 surrogate: JSON.parse accepts `"\ud800"`, which no Unicode text contains and which
 * MongoDB would store as U+FFFD.
 */
export function loneSurrogatePath(
  value: unknown,
  path = '',
): { target: string; inName: boolean } | undefined {
  if (typeof value === 'string')
    return LONE_SURROGATE.test(value) ? { target: path, inName: false } : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, member] of Object.entries(value)) {
    if (LONE_SURROGATE.test(key)) return { target: path, inName: true };
    const found = loneSurrogatePath(member, path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return undefined;
}

function loneSurrogateError(found: { target: string; inName: boolean }): ApiError {
  const where = found.inName ? `A property name${found.target ? ` in ${found.target}` : ''}` : 'The value';
  const message = `${where} contains an unpaired UTF-16 surrogate escape (such as \\ud800), which is not Unicode text.`;
  return ApiError.badRequest('The request is invalid: see details.', undefined, [
    { code: 'InvalidValue', message, target: found.target || '$' },
  ]);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Replaces Fastify's JSON parser by the same parser (prototype-poisoning keys refused) behind the bounds
 * check, a strict UTF-8 decoding (invalid bytes are a 400, not U+FFFD) and a check for unpaired
 * surrogates. Body limits stay Fastify's: the server's, or a route's own (see body-limit.ts).
 */
export function useBoundedJsonParser(fastify: FastifyInstance, bounds: JsonBounds): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = UTF8.decode(body as Buffer);
    } catch {
      return done(ApiError.badRequest('The JSON body is not valid UTF-8.'), undefined);
    }
    const problem = jsonBoundsProblem(text, bounds);
    if (problem) return done(ApiError.badRequest(problem), undefined);
    void parse(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const found = SURROGATE_ESCAPE.test(text) ? loneSurrogatePath(value) : undefined;
      if (found) return done(loneSurrogateError(found), undefined);
      done(null, value);
    });
  });
}
