import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors/api-error';

const UPLOAD = 'contactProUpload';
const IMAGE = 'contactProImage';

/** The largest image body (a contact photo), as Microsoft Graph's photo upload. */
export const IMAGE_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Marks a route that receives uploads: its body limit is UPLOAD_BODY_LIMIT_BYTES instead of the JSON
 * limit (BODY_LIMIT_BYTES) every other route keeps.
 */
export const UploadRoute = (): MethodDecorator => RouteConfig({ [UPLOAD]: true });

/** Marks a route whose body is an image (`image/*`, read as bytes, at most IMAGE_BODY_LIMIT_BYTES). */
export const ImageRoute = (): MethodDecorator => RouteConfig({ [IMAGE]: true });

/** Gives routes marked with {@link UploadRoute} or {@link ImageRoute} their own body limit as Fastify registers them. */
export function applyRouteBodyLimits(fastify: FastifyInstance, uploadBodyLimitBytes: number): void {
  fastify.addHook('onRoute', (route) => {
    const config = route.config as Record<string, unknown> | undefined;
    if (config?.[UPLOAD] === true) route.bodyLimit = uploadBodyLimitBytes;
    if (config?.[IMAGE] === true) route.bodyLimit = IMAGE_BODY_LIMIT_BYTES;
  });
}

/**
 * `image/*` bodies as bytes, on image routes only: anywhere else an image is a 415 like any type that is
 * not JSON. What the bytes really are is the route's to check.
 */
export function useImageBodyParser(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(/^image\//, { parseAs: 'buffer' }, (request, body, done) => {
    const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
    if (config?.[IMAGE] !== true) {
      return done(ApiError.unsupportedMediaType('This route takes a JSON body.', 'Content-Type'), undefined);
    }
    done(null, body);
  });
}
