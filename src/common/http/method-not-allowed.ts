import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error';

/** The order methods are listed in `Allow`; others follow alphabetically. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

function byMethodOrder(left: string, right: string): number {
  const rank = (method: string) => {
    const index = METHOD_ORDER.indexOf(method);
    return index < 0 ? METHOD_ORDER.length : index;
  };
  return rank(left) - rank(right) || left.localeCompare(right);
}

/**
 * A request whose path some route declares, with a method none of them does (TRACE, QUERY, PUT on a
 * collection, a plain OPTIONS), is a 405 with `Allow` instead of Fastify's 404; a path no route declares
 * stays a 404. OPTIONS is never listed: the CORS plugin's catch-all OPTIONS route serves preflights
 * only.
 */
export function refuseUndeclaredMethods(fastify: FastifyInstance): void {
  const methods = new Set<string>();
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'OPTIONS') methods.add(method);
    if (methods.has('GET')) methods.add('HEAD');
  });
  fastify.addHook('onRequest', async (request) => {
    // An OPTIONS reaching this hook is no preflight the CORS plugin answered: it matched only its
    // catch-all route.
    if (!request.is404 && request.method !== 'OPTIONS') return;
    const path = request.url.split('?')[0];
    const matches = [...methods]
      .filter((method) => method !== request.method)
      .map((method) => ({ method, route: fastify.findRoute({ method, url: path }) }))
      .flatMap(({ method, route }) => (route ? [{ method, params: Object.keys(route.params).length }] : []));
    // The URL's own routes only: `…/contacts/delta` is served by its static route, and the methods of
    // `…/contacts/:id`, which a parameter also matches, are not this URL's.
    const fewestParams = Math.min(...matches.map((match) => match.params));
    const allowed = matches
      .filter((match) => match.params === fewestParams)
      .map((match) => match.method)
      .sort(byMethodOrder);
    if (allowed.length > 0) {
      throw ApiError.methodNotAllowed(
        `${request.method} is not supported here; this URL supports ${allowed.join(', ')}.`,
        allowed,
      );
    }
    // Answered here, before a body is read: Fastify would refuse a QUERY without Content-Type first.
    throw ApiError.notFound('No resource matches this URL.');
  });
}
