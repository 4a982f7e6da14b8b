import {
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import type { PhotoContent } from './contact-photos.service';

/**
 * Sends a {@link PhotoContent} as the bytes of the response, with its media type and ETag. Photos are
 * contact data: `Cache-Control: private, no-store`, never cached (the product's data promise).
 */
@Injectable()
export class PhotoContentInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler<PhotoContent>): Observable<Buffer> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((content) => {
        void reply
          .header('Content-Type', content.contentType)
          .header('ETag', content.etag)
          .header('Cache-Control', 'private, no-store')
          .header('X-Content-Type-Options', 'nosniff');
        return content.data;
      }),
    );
  }
}

/**
 * The body's media type (`Content-Type` without parameters, lower-case). Not `@Headers()`: the header is
 * the body's description (the OpenAPI document lists the media types of the body), not a parameter.
 */
export const BodyMediaType = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const header = context.switchToHttp().getRequest<FastifyRequest>().headers['content-type'];
  return header === undefined ? undefined : header.split(';')[0].trim().toLowerCase();
});
