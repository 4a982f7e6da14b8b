import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { ExecutionContext } from '@nestjs/common';
import { personModel } from '../../test/support/odata-person';
import { ApiError } from '../common/errors/api-error';
import { ODataOptions, ODataQuery } from './odata-query.decorator';
import { parseODataQuery, type ODataRequest } from './odata-query';

/** Runs a parameter decorator's factory the way Nest does, on a fake Fastify request. */
function resolve(decorator: ParameterDecorator, query: Record<string, unknown>): unknown {
  class Controller {
    list(_value: unknown) {}
  }
  decorator(Controller.prototype, 'list', 0);
  const metadata = Reflect.getMetadata(ROUTE_ARGS_METADATA, Controller, 'list') as Record<
    string,
    { factory: (data: unknown, context: ExecutionContext) => unknown; data: unknown }
  >;
  const { factory, data } = Object.values(metadata)[0];
  const request = { query, url: '/api/v1/people?x=1', protocol: 'https', host: 'contacts.example.com' };
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  return factory(data, context);
}

describe('@ODataQuery / @ODataOptions', () => {
  it('yields the parsed query for the model, with the request URL', () => {
    const query = resolve(ODataQuery(personModel), {
      $filter: "displayName eq 'Zoë'",
      $top: '5',
      x: '1',
    }) as ODataQuery;
    expect(query.filter).toEqual({ 'norm.displayName': { $eq: 'zoe' } });
    expect(query.pageSize).toBe(5);
    expect(query.request.url).toBe('https://contacts.example.com/api/v1/people');
    expect(query.request.origin).toBe('https://contacts.example.com');
  });

  it('turns repeated and unknown options into 400s', () => {
    expect(() => resolve(ODataQuery(personModel), { $top: ['1', '2'] })).toThrow(ApiError);
    expect(() => resolve(ODataQuery(personModel), { $expand: 'x' })).toThrow(/'\$expand' is not supported/);
  });

  it('hands over checked options for models known only at request time', () => {
    const request = resolve(ODataOptions(), { $orderby: 'age desc' }) as ODataRequest;
    expect(parseODataQuery(request, personModel).sort).toEqual({ age: -1, _id: -1 });
  });
});
