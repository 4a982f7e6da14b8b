import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiPreconditionFailedResponse } from '@nestjs/swagger';
import { ApiError } from '../errors/api-error';
import { ErrorResponseDto } from '../errors/error-response.dto';

/**
 * Entity tags are built from a document's version counter, which every write increments atomically.
 * `W/"<version>"`: weak, because the representation may vary ($select) while the entity is the same.
 */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** An If-Match the service reads: `*`, or one entity tag as returned in ETag. */
const IF_MATCH = /^(?:\*|(?:W\/)?"([0-9]{1,15})")$/;

/**
 * The version an `If-Match` header asks for: undefined when the header is absent or `*`;
 * a malformed value is a 400, never silently ignored.
 */
export function versionFromIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  const match = IF_MATCH.exec(value.trim());
  if (!match) {
    throw ApiError.badRequest(
      'If-Match must be one entity tag as returned in ETag, for example W/"3".',
      'If-Match',
    );
  }
  return match[1] === undefined ? undefined : Number(match[1]);
}

export function preconditionFailed(): ApiError {
  return ApiError.preconditionFailed(
    'The resource changed since it was read (If-Match does not match its ETag): read it again and retry.',
    'If-Match',
  );
}

/**
 * Documents a conditional write: the optional If-Match header (lower-case, as the `@Headers('if-match')`
 * parameter documents it, so Swagger lists it once) and the 412 answered to a stale one.
 */
export const ApiIfMatch = (): MethodDecorator =>
  applyDecorators(
    ApiHeader({
      name: 'if-match',
      required: false,
      description: 'The ETag last read (or `*`); a stale one is answered with 412 Precondition Failed.',
      schema: { type: 'string', pattern: IF_MATCH.source },
    }),
    ApiPreconditionFailedResponse({ description: 'If-Match is stale.', type: ErrorResponseDto }),
  );
