import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { IS_PUBLIC } from './public.decorator';
import { ErrorResponseDto } from '../common/errors/error-response.dto';

export const AUTH_REQUIREMENT = 'contactPro:auth';
const SCHEME = 'bearer';
/** Where @ApiBearerAuth() keeps its requirements (@nestjs/swagger's DECORATORS.API_SECURITY, not exported). */
const API_SECURITY = 'swagger/apiSecurity';

export interface AuthOptions {
  /** Only tenant administrators (app role ContactPro.Admin). */
  admin?: boolean;
}

export interface AuthRequirement {
  admin: boolean;
}

function hasBearer(method: object): boolean {
  const security = (Reflect.getMetadata(API_SECURITY, method) ?? []) as Array<Record<string, unknown>>;
  return security.some((requirement) => SCHEME in requirement);
}

/**
 * Says everything about a route's authentication: a valid Azure AD token with the API's scope is needed
 * (the global guard enforces it), optionally an administrator; Swagger shows the bearer scheme and the 401
 * and 403 answers. On a controller it applies to every route of it, and a route may add `{ admin: true }`.
 */
export function Auth(options: AuthOptions = {}): ClassDecorator & MethodDecorator {
  const admin = options.admin === true;
  const common = applyDecorators(
    SetMetadata(AUTH_REQUIREMENT, { admin } satisfies AuthRequirement),
    ApiUnauthorizedResponse({
      description:
        'The bearer token is missing or not valid (expired, another audience, issuer or tenant, bad ' +
        'signature); the WWW-Authenticate header says why.',
      type: ErrorResponseDto,
    }),
    ApiForbiddenResponse({
      description: admin
        ? 'The token lacks the access_as_user scope, or the caller is not a tenant administrator (app role ContactPro.Admin).'
        : 'The token lacks the access_as_user scope.',
      type: ErrorResponseDto,
    }),
  );
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    common(target, key as string | symbol, descriptor as PropertyDescriptor);
    if (descriptor) {
      if (!hasBearer(descriptor.value as object))
        ApiBearerAuth(SCHEME)(target, key as string | symbol, descriptor);
      return;
    }
    // On a controller: the scheme goes on each of its routes (class decorators run after the methods'),
    // once, so that a route with its own @Auth() is not listed twice, and never on a @Public() route.
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name);
      if (name === 'constructor' || typeof method?.value !== 'function') continue;
      if (Reflect.getMetadata(IS_PUBLIC, method.value) === true || hasBearer(method.value as object))
        continue;
      ApiBearerAuth(SCHEME)(prototype, name, method);
    }
  };
}
