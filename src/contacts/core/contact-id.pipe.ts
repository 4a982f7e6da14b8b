import { ApiError } from '../../common/errors/api-error';
import { EntityIdPipe } from '../../common/validation/entity-id.pipe';

/** An id that names no contact of the tab (a contact of another tab or tenant is as unknown). */
export function contactNotFound(): ApiError {
  return ApiError.notFound('No contact with this id exists in this tab.', 'id');
}

/** `@Param('id', ContactIdPipe)`: a malformed contact id is the 404 of an unknown one. */
export const ContactIdPipe = new EntityIdPipe(contactNotFound);
