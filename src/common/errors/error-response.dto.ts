import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Swagger's view of the one error body (src/common/errors/error-response.ts renders it). */
export class ErrorDetailDto {
  @ApiProperty({ example: 'InvalidValue' })
  code: string;

  @ApiProperty()
  message: string;

  @ApiPropertyOptional()
  target?: string;
}

export class InnerErrorDto {
  @ApiProperty({ name: 'request-id', example: '6f2c9e0a-1b7d-4c3e-9a55-0d6f1c2b3a4e' })
  'request-id': string;

  @ApiProperty({ example: '2025-01-31T12:00:00' })
  date: string;
}

export class ErrorDto {
  @ApiProperty({ example: 'InvalidAuthenticationToken' })
  code: string;

  @ApiProperty()
  message: string;

  @ApiPropertyOptional()
  target?: string;

  @ApiPropertyOptional({ type: [ErrorDetailDto] })
  details?: ErrorDetailDto[];

  @ApiProperty({ type: InnerErrorDto })
  innererror: InnerErrorDto;
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorDto })
  error: ErrorDto;
}
