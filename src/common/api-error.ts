import { HttpException, HttpStatus } from '@nestjs/common';

/** One entry of `error.details` in the error body. */
export interface ApiErrorDetail {
  code: string;
  message: string;
  target?: string;
}

/**
 * An error the API answers on purpose, rendered by the global error filter as
 * `{ error: { code, message, target, details, innererror } }` (the Microsoft Graph shape).
 */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly details: ApiErrorDetail[] = [],
    /** Extra response headers, such as Retry-After or WWW-Authenticate. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message, status);
  }

  static badRequest(message: string, target?: string, details?: ApiErrorDetail[]): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, 'BadRequest', message, target, details);
  }

  static notFound(message = 'The requested resource does not exist.', target?: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, 'NotFound', message, target);
  }
}
