import request from 'supertest';
import { bearer } from './tokens';

/** Requests to a running test service on behalf of one caller (a token of the local identity provider). */
export function callerOf(url: string, token: string) {
  const authorized = (test: request.Test): request.Test => test.set('authorization', bearer(token));
  return {
    get: (path: string) => authorized(request(url).get(path)),
    post: (path: string, body: unknown) => authorized(request(url).post(path)).send(body as object),
    patch: (path: string, body: unknown) => authorized(request(url).patch(path)).send(body as object),
    put: (path: string, body?: unknown) => {
      const test = authorized(request(url).put(path));
      return body === undefined ? test : test.send(body as object);
    },
    delete: (path: string) => authorized(request(url).delete(path)),
  };
}
