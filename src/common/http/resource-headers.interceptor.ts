import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';

/**
 * Headers that follow from the entity a route returns, so controllers stay one line:
 * `ETag` from the body's `@odata.etag`, and on a 201 to a POST, `Location` = the request path + `/<id>`.
 */
@Injectable()
export class ResourceHeadersInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      map((body: unknown) => {
        if (body && typeof body === 'object' && !Array.isArray(body)) {
          const entity = body as { '@odata.etag'?: unknown; id?: unknown };
          if (typeof entity['@odata.etag'] === 'string') void reply.header('ETag', entity['@odata.etag']);
          if (request.method === 'POST' && reply.statusCode === 201 && typeof entity.id === 'string') {
            const path = request.url.split('?')[0].replace(/\/+$/, '');
            void reply.header('Location', `${path}/${encodeURIComponent(entity.id)}`);
          }
        }
        return body;
      }),
    );
  }
}
