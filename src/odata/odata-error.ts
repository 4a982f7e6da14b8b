import { ApiError } from '../common/errors/api-error';

/** A 400 with the OData error body, targeted at the offending query option. */
export function odataError(option: string, message: string): ApiError {
  return ApiError.badRequest(message, option);
}

/** Quotes a piece of the client's input for a message, shortened so that huge input stays readable. */
export function quoteInput(text: string, max = 40): string {
  return `'${text.length > max ? `${text.slice(0, max)}…` : text}'`;
}
