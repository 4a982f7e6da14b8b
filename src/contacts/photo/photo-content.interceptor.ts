import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
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
