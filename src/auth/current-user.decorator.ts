import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticatedUser, authenticatedUserOf } from './authenticated-user';

/**
 * The caller of an authenticated route: `{ tenantId, userId, upn, displayName, email, isAdmin }`.
 * Only on routes the guard protects; elsewhere it is a programming error.
 */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser => {
    const user = authenticatedUserOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (!user) throw new Error('@CurrentUser() used on a route that is not authenticated');
    return user;
  },
);
