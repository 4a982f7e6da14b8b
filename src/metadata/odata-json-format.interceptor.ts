import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { buildCsdlSchema } from '../odata';
import { CANONICAL_PATHS, SERVICE_SCHEMA, SINGLETON_SEGMENTS } from './metadata-entity-sets';
import {
  jsonContentType,
  negotiateJsonFormat,
  shapeJsonBody,
  type EntityDescription,
} from './odata-json-format';

/**
 * The OData JSON format parameters of `Accept` (`odata.metadata=minimal|full|none`, `odata.streaming`,
 * `IEEE754Compatible`) on every JSON answer: unsupported values are a 406 before the route runs. It is
 * the outermost interceptor, so the ETag header is taken from `@odata.etag` before `none` drops it.
 */
@Injectable()
export class ODataJsonFormatInterceptor implements NestInterceptor {
  /** Entity set → qualified entity type, as `$metadata` declares them. */
  private readonly types = new Map(
    buildCsdlSchema(SERVICE_SCHEMA).entitySets.map((set) => [set.name, set.entityType]),
  );

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const format = negotiateJsonFormat(request.headers.accept);
    if (!format.requested) return next.handle();
    const reply = http.getResponse<FastifyReply>();
    const serviceRoot = `${request.protocol}://${request.host}/api/v1`;
    const description = this.describe(request, serviceRoot);
    return next.handle().pipe(
      map((body: unknown) => {
        if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
          return body;
        }
        if (typeof (body as { pipe?: unknown }).pipe === 'function') return body;
        void reply.header('content-type', jsonContentType(format));
        return shapeJsonBody(body as Record<string, unknown>, format, description, serviceRoot);
      }),
    );
  }

  /** The entity set a route answers with: the last segment of its path naming one (or `me`). */
  private describe(request: FastifyRequest, serviceRoot: string): EntityDescription | undefined {
    const segments = (request.routeOptions.url ?? '').split('/').reverse();
    for (const segment of segments) {
      const entitySet = SINGLETON_SEGMENTS[segment] ?? segment;
      const type = this.types.get(entitySet);
      const path = CANONICAL_PATHS[entitySet];
      if (!type || !path) continue;
      const params = (request.params ?? {}) as Record<string, string>;
      return {
        entitySet,
        type,
        idOf: (entity) => {
          const canonical = path(entity, params);
          return canonical && `${serviceRoot}/${canonical}`;
        },
      };
    }
    return undefined;
  }
}
