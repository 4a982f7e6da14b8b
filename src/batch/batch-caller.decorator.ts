import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { accessTokenOf } from '../auth/authenticated-user';
import { clientRequestId } from '../common/http/request-id';

/** What each request of a batch inherits from the batch request itself. */
export interface BatchCaller {
  /** The batch's Authorization header as sent (a request may repeat it, not change it). */
  authorization: string;
  /** The validated access token, sent with each request (each is authenticated again). */
  token: string;
  clientRequestId?: string;
  /**
   * Host and forwarding headers of the batch request, and its peer address: each request then resolves
   * its origin (`@odata.context`, links), protocol and client address exactly as the batch did.
   */
  connectionHeaders: Record<string, string>;
  /** The batch's Accept: OData has a request without its own inherit it (`odata.metadata=…`). */
  accept?: string;
  remoteAddress?: string;
}

const CONNECTION_HEADERS = ['host', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto'];

/** The caller of an authenticated batch route, as {@link BatchCaller}. */
export const CurrentBatchCaller = createParamDecorator(
  (_data: unknown, context: ExecutionContext): BatchCaller => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = accessTokenOf(request);
    if (!token) throw new Error('@CurrentBatchCaller() used on a route that is not authenticated');
    const connectionHeaders: Record<string, string> = {};
    for (const name of CONNECTION_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') connectionHeaders[name] = value;
    }
    return {
      authorization: request.headers.authorization ?? '',
      token,
      clientRequestId: clientRequestId(request.raw),
      connectionHeaders,
      accept: request.headers.accept,
      remoteAddress: request.raw.socket?.remoteAddress,
    };
  },
);
