import { ApiError, errorCodeFor } from './api-error';

describe('ApiError', () => {
  it.each([
    [ApiError.badRequest('m'), 400, 'BadRequest'],
    [ApiError.unauthorized('m'), 401, 'Unauthorized'],
    [ApiError.forbidden('m'), 403, 'Forbidden'],
    [ApiError.notFound('m'), 404, 'NotFound'],
    [ApiError.methodNotAllowed('m', ['GET']), 405, 'MethodNotAllowed'],
    [ApiError.notAcceptable('m'), 406, 'NotAcceptable'],
    [ApiError.conflict('m'), 409, 'Conflict'],
    [ApiError.gone('m'), 410, 'Gone'],
    [ApiError.preconditionFailed('m'), 412, 'PreconditionFailed'],
    [ApiError.payloadTooLarge('m'), 413, 'PayloadTooLarge'],
    [ApiError.unsupportedMediaType('m'), 415, 'UnsupportedMediaType'],
    [ApiError.expectationFailed('m'), 417, 'ExpectationFailed'],
    [ApiError.failedDependency('m'), 424, 'FailedDependency'],
    [ApiError.preconditionRequired('m'), 428, 'PreconditionRequired'],
    [ApiError.tooManyRequests('m', 3), 429, 'TooManyRequests'],
    [ApiError.serviceUnavailable('m'), 503, 'ServiceUnavailable'],
  ])('takes the code of status %# from the one table', (error, status, code) => {
    expect([error.getStatus(), error.code]).toEqual([status, code]);
    expect(errorCodeFor(status)).toBe(code);
  });

  it('keeps a specific code and headers when given', () => {
    const error = ApiError.gone('m', '$deltatoken', { code: 'ResyncRequired' });
    expect([error.code, error.target]).toEqual(['ResyncRequired', '$deltatoken']);
    expect(ApiError.unauthorized('m', { code: 'InvalidAuthenticationToken' }).code).toBe(
      'InvalidAuthenticationToken',
    );
  });

  it('says when to retry and which methods a URL supports in headers', () => {
    expect(ApiError.tooManyRequests('m', 7).headers).toEqual({ 'Retry-After': '7' });
    expect(ApiError.serviceUnavailable('m', 5).headers).toEqual({ 'Retry-After': '5' });
    expect(ApiError.serviceUnavailable('m').headers).toEqual({});
    expect(ApiError.methodNotAllowed('m', ['GET', 'HEAD']).headers).toEqual({ Allow: 'GET, HEAD' });
  });

  it('answers a status outside the table with the code of its class', () => {
    expect([ApiError.of(418, 'm').code, ApiError.of(599, 'm').code]).toEqual([
      'BadRequest',
      'InternalServerError',
    ]);
  });
});
