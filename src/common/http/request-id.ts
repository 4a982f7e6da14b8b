import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A caller's client-request-id is adopted only when it is short and plain: never reflect control characters. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const REQUEST_ID = Symbol('contactPro.requestId');
const CLIENT_ID = Symbol('contactPro.clientRequestId');

type TaggedRequest = IncomingMessage & { [REQUEST_ID]?: string; [CLIENT_ID]?: string | null };

/** The caller's valid client-request-id, or undefined when absent or unusable. */
export function clientRequestId(req: IncomingMessage): string | undefined {
  const tagged = req as TaggedRequest;
  if (tagged[CLIENT_ID] === undefined) {
    const header = req.headers['client-request-id'];
    tagged[CLIENT_ID] = typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : null;
  }
  return tagged[CLIENT_ID] ?? undefined;
}

/**
 * The id of a request: the caller's client-request-id when valid, else a new UUID. Computed once per
 * request and kept on it, so the logger, the error body and telemetry all agree.
 */
export function requestIdOf(req: IncomingMessage): string {
  const tagged = req as TaggedRequest;
  tagged[REQUEST_ID] ??= clientRequestId(req) ?? randomUUID();
  return tagged[REQUEST_ID];
}
