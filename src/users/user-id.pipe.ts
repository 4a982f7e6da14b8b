import { ApiError } from '../common/errors/api-error';
import { EntityIdPipe } from '../common/validation/entity-id.pipe';

/** An id that names no user of the caller's organization (another tenant's user is as unknown). */
export function userNotFound(): ApiError {
  return ApiError.notFound('No user with this id is known in your organization.');
}

/** `@Param('id', UserIdPipe)`: a malformed user id is the 404 of an unknown one. */
export const UserIdPipe = new EntityIdPipe(userNotFound);
