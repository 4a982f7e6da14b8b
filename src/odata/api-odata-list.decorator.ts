import { applyDecorators, type Type } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { ApiODataQuery, type ODataQueryExamples } from './api-odata-query.decorator';
import type { EntityModel } from './entity-model';

/** Documents an OData list route: its query options (examples checked against the model) and its page. */
export function ApiODataList(
  model: EntityModel,
  page: Type<unknown>,
  examples: ODataQueryExamples,
): MethodDecorator {
  return applyDecorators(ApiODataQuery(model, examples), ApiOkResponse({ type: page }));
}
