import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

const UPLOAD = 'contactProUpload';

/**
 * Marks a route that receives uploads: its body limit is UPLOAD_BODY_LIMIT_BYTES instead of the JSON
 * limit (BODY_LIMIT_BYTES) every other route keeps.
 */
export const UploadRoute = (): MethodDecorator => RouteConfig({ [UPLOAD]: true });

/** Gives routes marked with {@link UploadRoute} their own body limit as Fastify registers them. */
export function applyRouteBodyLimits(fastify: FastifyInstance, uploadBodyLimitBytes: number): void {
  fastify.addHook('onRoute', (route) => {
    const config = route.config as Record<string, unknown> | undefined;
    if (config?.[UPLOAD] === true) route.bodyLimit = uploadBodyLimitBytes;
  });
}
