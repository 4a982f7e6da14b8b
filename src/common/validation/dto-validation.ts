import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf, type ValidatorOptions } from 'class-validator';
import { ApiError, ApiErrorDetail } from '../errors/api-error';

/** Flattens class-validator's tree into one detail per bad field, with a dotted path as target. */
export function validationDetails(errors: ValidationError[], parent = ''): ApiErrorDetail[] {
  const details: ApiErrorDetail[] = [];
  for (const error of errors) {
    const target = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints && Object.keys(error.constraints).length > 0) {
      const messages = Object.values(error.constraints);
      details.push({ code: 'InvalidValue', message: messages.join('; '), target });
    }
    if (error.children && error.children.length > 0)
      details.push(...validationDetails(error.children, target));
  }
  return details;
}

/** How every DTO is checked, by the pipe and by code that validates one itself (an import's rows). */
export const VALIDATOR_OPTIONS: ValidatorOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: false,
  validationError: { target: false, value: false },
};

/** The one validation pipe: unknown properties are refused, values are checked and converted to DTOs. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    ...VALIDATOR_OPTIONS,
    transform: true,
    exceptionFactory: (errors) =>
      ApiError.badRequest('The request is invalid: see details.', undefined, validationDetails(errors)),
  });
}

/**
 * Like `@IsOptional()` but only for an absent property: `null` is still validated (and so refused by the
 * type checks), because for most fields null would store a hole instead of "not given".
 */
export function IsOmittable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
