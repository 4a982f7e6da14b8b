import { ApiError } from '../common/errors/api-error';
import { EntityIdPipe } from '../common/validation/entity-id.pipe';

/** An id that names no job the caller may see: one that does not exist and someone else's are alike. */
export function jobNotFound(): ApiError {
  return ApiError.notFound('No job with this id exists, or it is not yours to see.', 'id');
}

/** `@Param('id', JobIdPipe)`: a malformed job id is the 404 of an unknown one. */
export const JobIdPipe = new EntityIdPipe(jobNotFound);
