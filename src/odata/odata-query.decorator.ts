import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { EntityModel } from './entity-model';
import { parseODataQuery, readODataRequest, type ParsedODataQuery, type RawQuery } from './odata-query';

function requestOf(context: ExecutionContext) {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const origin = `${request.protocol}://${request.host}`;
  const path = request.url.split('?')[0];
  return readODataRequest((request.query ?? {}) as RawQuery, `${origin}${path}`, origin);
}

/**
 * The parsed and translated OData options of a list route for a fixed entity model:
 * `list(@ODataQuery(userModel) query: ODataQuery)`. Any problem is a 400 naming the option.
 */
export const ODataQuery = createParamDecorator((model: EntityModel, context: ExecutionContext) =>
  parseODataQuery(requestOf(context), model),
);

/** A parsed list query (the type of a parameter decorated with `@ODataQuery(model)`). */
export type ODataQuery = ParsedODataQuery;

/**
 * The checked but unparsed options, for routes whose model is known only at request time (a tab's
 * custom fields): parse later with `parseODataQuery(request, extendEntityModel(model, extra))`.
 */
export const ODataOptions = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  requestOf(context),
);
