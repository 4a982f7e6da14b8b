import { HttpException, HttpStatus } from '@nestjs/common';

/** One entry of `error.details` in the error body. */
export interface ApiErrorDetail {
  code: string;
  message: string;
  target?: string;
}

/** What a few errors add to status, message, target and details. */
export interface ApiErrorExtras {
  /** A code more specific than the status's (Graph-style, e.g. `InvalidAuthenticationToken`). */
  code?: string;
  /** Extra response headers, such as Retry-After, Allow or WWW-Authenticate. */
  headers?: Record<string, string>;
}

/** The one table of error codes: each status the service answers with, in Microsoft Graph's words. */
const CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  408: 'RequestTimeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'LengthRequired',
  412: 'PreconditionFailed',
  413: 'PayloadTooLarge',
  414: 'UriTooLong',
  415: 'UnsupportedMediaType',
  416: 'RangeNotSatisfiable',
  417: 'ExpectationFailed',
  422: 'UnprocessableEntity',
  424: 'FailedDependency',
  428: 'PreconditionRequired',
  429: 'TooManyRequests',
  431: 'RequestHeaderFieldsTooLarge',
  500: 'InternalServerError',
  501: 'NotImplemented',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

export function errorCodeFor(status: number): string {
  return CODES[status] ?? (status >= 500 ? 'InternalServerError' : 'BadRequest');
}

/**
 * An error the API answers on purpose, rendered by the global error filter as
 * `{ error: { code, message, target, details, innererror } }` (the Microsoft Graph shape). Build one with
 * the factory of its status (`ApiError.conflict(…)`): the code comes from the table above unless given.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details: ApiErrorDetail[] = [],
    /** Extra response headers, such as Retry-After or WWW-Authenticate. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message, status);
  }

  /** An error of any status, for the places that answer a status computed elsewhere (protocol errors). */
  static of(
    status: number,
    message: string,
    target?: string,
    details?: ApiErrorDetail[],
    extras: ApiErrorExtras = {},
  ): ApiError {
    return new ApiError(
      status,
      extras.code ?? errorCodeFor(status),
      message,
      target,
      details,
      extras.headers,
    );
  }

  static badRequest(message: string, target?: string, details?: ApiErrorDetail[]): ApiError {
    return ApiError.of(HttpStatus.BAD_REQUEST, message, target, details);
  }

  static unauthorized(message: string, extras?: ApiErrorExtras): ApiError {
    return ApiError.of(HttpStatus.UNAUTHORIZED, message, undefined, [], extras);
  }

  static forbidden(message: string, extras?: ApiErrorExtras): ApiError {
    return ApiError.of(HttpStatus.FORBIDDEN, message, undefined, [], extras);
  }

  static notFound(message = 'The requested resource does not exist.', target?: string): ApiError {
    return ApiError.of(HttpStatus.NOT_FOUND, message, target);
  }

  /** 405, with the Allow header naming the methods the URL supports. */
  static methodNotAllowed(message: string, allowed: string[]): ApiError {
    return ApiError.of(HttpStatus.METHOD_NOT_ALLOWED, message, undefined, [], {
      headers: { Allow: allowed.join(', ') },
    });
  }

  static notAcceptable(message: string, target?: string): ApiError {
    return ApiError.of(HttpStatus.NOT_ACCEPTABLE, message, target);
  }

  static conflict(message: string, target?: string, details?: ApiErrorDetail[]): ApiError {
    return ApiError.of(HttpStatus.CONFLICT, message, target, details);
  }

  static gone(message: string, target?: string, extras?: ApiErrorExtras): ApiError {
    return ApiError.of(HttpStatus.GONE, message, target, [], extras);
  }

  static preconditionFailed(message: string, target?: string): ApiError {
    return ApiError.of(HttpStatus.PRECONDITION_FAILED, message, target);
  }

  static payloadTooLarge(message: string, target?: string): ApiError {
    return ApiError.of(HttpStatus.PAYLOAD_TOO_LARGE, message, target);
  }

  static unsupportedMediaType(message: string, target?: string): ApiError {
    return ApiError.of(HttpStatus.UNSUPPORTED_MEDIA_TYPE, message, target);
  }

  static expectationFailed(message: string, target?: string): ApiError {
    return ApiError.of(HttpStatus.EXPECTATION_FAILED, message, target);
  }

  static failedDependency(message: string, target?: string): ApiError {
    return ApiError.of(HttpStatus.FAILED_DEPENDENCY, message, target);
  }

  static preconditionRequired(message: string, target?: string): ApiError {
    return ApiError.of(HttpStatus.PRECONDITION_REQUIRED, message, target);
  }

  /** 429, with Retry-After in seconds. */
  static tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
    return ApiError.of(HttpStatus.TOO_MANY_REQUESTS, message, undefined, [], {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }

  /** 503: the caller may retry, after Retry-After seconds when given. */
  static serviceUnavailable(message: string, retryAfterSeconds?: number): ApiError {
    const headers: Record<string, string> =
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
    return ApiError.of(HttpStatus.SERVICE_UNAVAILABLE, message, undefined, [], { headers });
  }
}
