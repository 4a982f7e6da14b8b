import { HttpException, HttpStatus } from '@nestjs/common';
import { ApiError, ApiErrorDetail, errorCodeFor } from './api-error';
import { databaseFaultOf, retryAfterSecondsOf } from './database-errors';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    target?: string;
    details?: ApiErrorDetail[];
    innererror: { 'request-id': string; date: string };
  };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** True when the error was not one the API answers on purpose: it is logged with its stack. */
  unexpected: boolean;
}

export const DATABASE_RETRY_AFTER_SECONDS = 5;

function graphDate(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, '');
}

function render(
  requestId: string,
  status: number,
  code: string,
  message: string,
  extra: {
    target?: string;
    details?: ApiErrorDetail[];
    headers?: Record<string, string>;
    unexpected?: boolean;
  } = {},
): ErrorResponse {
  const error: ErrorBody['error'] = {
    code,
    message,
    ...(extra.target ? { target: extra.target } : {}),
    ...(extra.details && extra.details.length > 0 ? { details: extra.details } : {}),
    innererror: { 'request-id': requestId, date: graphDate() },
  };
  return { status, body: { error }, headers: extra.headers ?? {}, unexpected: extra.unexpected ?? false };
}

/** The one translation of any thrown value into the API's error body (used by the filter and Fastify's handler). */
export function toErrorResponse(exception: unknown, requestId: string): ErrorResponse {
  if (exception instanceof ApiError) {
    return render(requestId, exception.getStatus(), exception.code, exception.message, {
      target: exception.target,
      details: exception.details,
      headers: exception.headers,
    });
  }

  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    // Nest's own messages ("Cannot GET /x") are fine to show for 4xx; a 5xx keeps its text private.
    let message = status >= 500 ? 'The service could not complete the request.' : exception.message;
    if (status === 404 && /^Cannot [A-Z]+ /.test(message)) message = 'No resource matches this URL.';
    if (typeof response === 'object' && response !== null && Array.isArray((response as any).message)) {
      message = (response as any).message.join('; ');
    }
    return render(requestId, status, errorCodeFor(status), message, { unexpected: status >= 500 });
  }

  // Fastify's own request errors (bad JSON, body too large, media type) arrive as HttpException from Nest.
  // A database that is unreachable, failing over or throttling (Cosmos DB 16500/429) once the retries
  // of src/database are spent: the caller may retry, after the wait the server asked for when it said.
  const fault = databaseFaultOf(exception);
  if (fault) {
    const retryAfter = retryAfterSecondsOf(fault, DATABASE_RETRY_AFTER_SECONDS);
    const message =
      fault.kind === 'throttled'
        ? 'The database is busy right now; retry later.'
        : 'The database is unavailable right now; retry later.';
    return render(requestId, 503, 'ServiceUnavailable', message, {
      headers: { 'Retry-After': String(retryAfter) },
    });
  }
  return render(
    requestId,
    HttpStatus.INTERNAL_SERVER_ERROR,
    'InternalServerError',
    'An unexpected error occurred.',
    {
      unexpected: true,
    },
  );
}
