import type { FastifyInstance } from 'fastify';
import { ApiError } from './api-error';

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

/**
 * Replaces Fastify's JSON parser by the same parser (prototype-poisoning keys refused) behind the bounds
 * check. Body limits stay Fastify's: the server's, or a route's own (see body-limit.ts).
 */
export function useBoundedJsonParser(fastify: FastifyInstance, bounds: JsonBounds): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    const problem = jsonBoundsProblem(text, bounds);
    if (problem) return done(ApiError.badRequest(problem), undefined);
    void parse(request, text, done);
  });
}
