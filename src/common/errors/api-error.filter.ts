import { ArgumentsHost, Catch, ExceptionFilter, Logger, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Telemetry } from '../../telemetry/telemetry.service';
import { toErrorResponse } from './error-response';
import { requestIdOf } from '../http/request-id';

/**
 * The one error filter: every error, whatever its origin (a handler, validation, Fastify's body parser,
 * an unknown route), leaves in the standard error body.
 */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(@Optional() private readonly telemetry?: Telemetry) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const response = toErrorResponse(exception, requestIdOf(request.raw));
    if (response.unexpected) {
      this.logger.error(
        { msg: 'unexpected error', reqId: response.body.error.innererror['request-id'] },
        exception instanceof Error ? exception.stack : String(exception),
      );
      this.telemetry?.trackException(exception, request);
    }
    if (reply.sent) return;
    void reply.status(response.status).headers(response.headers).send(response.body);
  }
}
