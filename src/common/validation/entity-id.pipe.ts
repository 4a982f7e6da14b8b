import type { PipeTransform } from '@nestjs/common';
import type { ApiError } from '../errors/api-error';
import { GUID } from './guid';

/**
 * The id of one of the service's own entities in a URL (a user, tab, contact or job): a GUID. A malformed
 * id names nothing, so it gets the entity's own 404, the same answer as an id that does not exist, and
 * never reaches the service or the database.
 */
export class EntityIdPipe implements PipeTransform<string, string> {
  constructor(private readonly notFound: () => ApiError) {}

  transform(id: string): string {
    if (!GUID.test(id)) throw this.notFound();
    return id;
  }
}
