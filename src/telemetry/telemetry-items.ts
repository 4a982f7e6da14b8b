import type { Contracts } from 'applicationinsights';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CommandFailedEvent, CommandSucceededEvent } from 'mongodb';

/** The request a telemetry item belongs to: its request id is the Application Insights operation id. */
export interface Operation {
  requestId: string;
  /** `METHOD /route/pattern`: low cardinality, unlike the raw URL. */
  name: string;
}

/** Application Insights context tag names (the SDK's `context.keys`, fixed by the ingestion schema). */
export const TAGS = {
  operationId: 'ai.operation.id',
  operationName: 'ai.operation.name',
  operationParentId: 'ai.operation.parentId',
} as const;

/** The SDK reads `id` from a request item although its type omits it. */
export type RequestItem = Contracts.RequestTelemetry & { id: string };

export function operationOf(request: FastifyRequest): Operation {
  return { requestId: request.id, name: `${request.method} ${request.routeOptions.url ?? 'unmatched'}` };
}

/** Tags of an item caused by the request (a dependency, an exception): nested under the request item. */
function childTags(operation: Operation): Record<string, string> {
  return {
    [TAGS.operationId]: operation.requestId,
    [TAGS.operationName]: operation.name,
    [TAGS.operationParentId]: operation.requestId,
  };
}

/**
 * The request item: named by route pattern, URL without query string (it may carry $filter values or
 * tokens); no headers, no body. Failed means 4xx/5xx, as in the SDK's own request collection.
 */
export function requestItem(request: FastifyRequest, reply: FastifyReply): RequestItem {
  const operation = operationOf(request);
  const path = request.url.split('?', 1)[0];
  const duration = reply.elapsedTime;
  return {
    id: operation.requestId,
    name: operation.name,
    url: `${request.protocol}://${request.host}${path}`,
    duration,
    resultCode: reply.statusCode,
    success: reply.statusCode < 400,
    time: new Date(Date.now() - duration),
    tagOverrides: { [TAGS.operationId]: operation.requestId, [TAGS.operationName]: operation.name },
  };
}

/**
 * A MongoDB command as a dependency. Only the command name leaves the process: the command document
 * holds filters and values (personal data), so neither `data` nor properties carry it.
 */
export function dependencyItem(
  event: CommandSucceededEvent | CommandFailedEvent,
  operation: Operation | undefined,
): Contracts.DependencyTelemetry {
  const failure = 'failure' in event ? event.failure : undefined;
  return {
    dependencyTypeName: 'mongodb',
    target: `${event.address}/${event.databaseName}`,
    name: event.commandName,
    data: event.commandName,
    duration: event.duration,
    resultCode: failure ? failureCode(failure) : 0,
    success: failure === undefined,
    time: new Date(Date.now() - event.duration),
    tagOverrides: operation ? childTags(operation) : undefined,
  };
}

/** The server's error code when it answered, else the driver error's name (network, timeout). */
function failureCode(failure: Error): string | number {
  const code = (failure as { code?: unknown }).code;
  return typeof code === 'number' || typeof code === 'string' ? code : failure.name;
}

export function exceptionItem(exception: unknown, operation: Operation): Contracts.ExceptionTelemetry {
  return {
    exception: exception instanceof Error ? exception : new Error(String(exception)),
    tagOverrides: childTags(operation),
  };
}
