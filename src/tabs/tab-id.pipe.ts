import { ApiError } from '../common/errors/api-error';
import { EntityIdPipe } from '../common/validation/entity-id.pipe';

/** An id that names no tab of the caller's organization (another tenant's tab is as unknown). */
export function tabNotFound(): ApiError {
  return ApiError.notFound('No tab with this id exists in your organization.', 'tabId');
}

/** `@Param('tabId', TabIdPipe)`: a malformed tab id is the 404 of an unknown one. */
export const TabIdPipe = new EntityIdPipe(tabNotFound);
