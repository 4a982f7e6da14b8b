import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `Cache-Control: no-store` on every response of the contact routes, errors included (the product
 * promises that contact properties are never cached). A middleware runs before the body is parsed and
 * before authentication, so a 413, a 400 or a 401 of these routes carries the header too.
 */
@Injectable()
export class NoStoreMiddleware implements NestMiddleware {
  use(_request: IncomingMessage, response: ServerResponse, next: () => void): void {
    response.setHeader('Cache-Control', 'no-store');
    next();
  }
}
