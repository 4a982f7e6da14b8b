import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/errors/api-error';
import { toErrorResponse } from '../common/errors/error-response';
import type { BatchCaller } from './batch-caller.decorator';
import { planBatch, runBatch, type PlannedRequest } from './batch-plan';
import type { BatchRequestDto, BatchResponseDto, BatchResponseItemDto } from './dto/batch.dto';

/** Requests of one batch running at the same time: enough to overlap database waits, few enough to share. */
export const BATCH_CONCURRENCY = 4;

/**
 * Response headers not repeated per request: the connection's, and the security headers every response
 * of the service carries (they are on the batch response itself).
 */
const OMITTED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'date',
  'vary',
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
]);

const JSON_CONTENT = /^application\/([a-z0-9.+-]*\+)?json\b/i;

/**
 * JSON batching as in Microsoft Graph: each request goes through this very server (routing, the
 * authentication guard with the caller's token, rate limits, validation, interceptors, the error filter),
 * injected in process, so a request of a batch behaves exactly as if it had been sent alone.
 */
@Injectable()
export class BatchService {
  private readonly logger = new Logger('Batch');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  async execute(batch: BatchRequestDto, caller: BatchCaller): Promise<BatchResponseDto> {
    const plan = planBatch(batch.requests, caller.authorization);
    const outcomes = await runBatch(
      plan,
      BATCH_CONCURRENCY,
      (request) => this.send(request, caller),
      (request, dependency, outcome) => failedDependency(request, dependency, outcome.status, caller),
    );
    return { responses: plan.map((request) => outcomes.get(request.id) as BatchResponseItemDto) };
  }

  private async send(request: PlannedRequest, caller: BatchCaller): Promise<BatchResponseItemDto> {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const headers: Record<string, string> = {
      ...(caller.accept !== undefined ? { accept: caller.accept } : {}),
      ...request.headers,
      ...caller.connectionHeaders,
      authorization: `Bearer ${caller.token}`,
    };
    if (caller.clientRequestId && !headers['client-request-id']) {
      headers['client-request-id'] = caller.clientRequestId;
    }
    try {
      const response = await fastify.inject({
        method: request.method,
        url: request.url,
        headers,
        ...(request.body !== undefined ? { payload: JSON.stringify(request.body) } : {}),
        ...(caller.remoteAddress ? { remoteAddress: caller.remoteAddress } : {}),
      });
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined || OMITTED_RESPONSE_HEADERS.has(name.toLowerCase())) continue;
        responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      }
      const item: BatchResponseItemDto = {
        id: request.id,
        status: response.statusCode,
        headers: responseHeaders,
      };
      if (response.rawPayload.length > 0) {
        item.body = JSON_CONTENT.test(responseHeaders['content-type'] ?? '')
          ? (JSON.parse(response.payload) as unknown)
          : response.rawPayload.toString('base64');
      }
      return item;
    } catch (error) {
      // The server answers every injected request itself; this is only reached on a fault of the injection.
      this.logger.error({ msg: 'batch request failed', id: request.id, error: String(error) });
      const failure = toErrorResponse(error, caller.clientRequestId ?? randomUUID());
      return {
        id: request.id,
        status: failure.status,
        headers: { 'content-type': 'application/json; charset=utf-8', ...failure.headers },
        body: failure.body,
      };
    }
  }
}

/** The answer of a request that did not run because one it depends on did not succeed. */
function failedDependency(
  request: PlannedRequest,
  dependency: string,
  status: number,
  caller: BatchCaller,
): BatchResponseItemDto {
  const error = ApiError.failedDependency(
    `Not run: request '${dependency}', which it depends on, answered ${status}.`,
    'dependsOn',
  );
  const response = toErrorResponse(error, caller.clientRequestId ?? randomUUID());
  return {
    id: request.id,
    status: response.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: response.body,
  };
}
