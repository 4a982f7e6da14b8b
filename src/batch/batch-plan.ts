import { ApiError } from '../common/errors/api-error';
import {
  BATCH_HEADER_VALUE,
  MAX_BATCH_HEADER_VALUE_LENGTH,
  MAX_BATCH_HEADERS,
  type BatchMethod,
  type BatchRequestItemDto,
} from './dto/batch.dto';

/** The root every batch URL is relative to, as Microsoft Graph's are to its version root. */
export const SERVICE_ROOT = '/api/v1';

/** An HTTP token (RFC 9110) as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
/** A relative reference: path and query only; no spaces, control characters, backslashes or fragment. */
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const URL_CHARACTERS = /^[^\u0000-\u0020\u007f\\#]*$/;
const JSON_MEDIA_TYPE = /^application\/json\s*(;.*)?$/i;

/**
 * Headers a request of the batch cannot set: the connection's (host, length, hop-by-hop), the ones that
 * say who and where the caller is (forwarding; the batch's own values are used), and credentials.
 */
const RESERVED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'content-length',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-real-ip',
]);

/** A validated request of the batch, ready to run. */
export interface PlannedRequest {
  id: string;
  method: BatchMethod;
  /** Absolute path on this service (`/api/v1/…`) with the query as sent. */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: Record<string, unknown>;
  dependsOn: string[];
}

/** The URL on this service, or a 400: relative, no dot segments, no nested `$batch`, under /api/v1. */
function resolveUrl(url: string, target: string): string {
  if (!url.startsWith('/') || url.startsWith('//')) {
    throw ApiError.badRequest(`The URL must be relative to ${SERVICE_ROOT}, starting with one '/'.`, target);
  }
  if (!URL_CHARACTERS.test(url)) {
    throw ApiError.badRequest(
      'The URL may not contain spaces, control characters, backslashes or a fragment.',
      target,
    );
  }
  const [path] = url.split('?', 1);
  let segments: string[];
  try {
    segments = path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    throw ApiError.badRequest('The URL is not valid (bad percent-encoding).', target);
  }
  if (segments.some((segment) => segment === '.' || segment === '..' || segment.includes('/'))) {
    throw ApiError.badRequest("The URL may not contain '.' or '..' segments or encoded slashes.", target);
  }
  const absolute =
    path === SERVICE_ROOT || path.startsWith(`${SERVICE_ROOT}/`) ? url : `${SERVICE_ROOT}${url}`;
  if (segments.some((segment) => segment.toLowerCase() === '$batch')) {
    throw ApiError.badRequest('A batch cannot contain another $batch request.', target);
  }
  return absolute;
}

function checkHeaders(
  headers: Record<string, unknown> | undefined,
  callerAuthorization: string,
  target: string,
): Record<string, string> {
  const checked: Record<string, string> = {};
  const entries = Object.entries(headers ?? {});
  if (entries.length > MAX_BATCH_HEADERS) {
    throw ApiError.badRequest(`A request may have at most ${MAX_BATCH_HEADERS} headers.`, target);
  }
  for (const [name, value] of entries) {
    const where = `${target}.${name}`;
    if (!HEADER_NAME.test(name)) throw ApiError.badRequest('This is not a valid header name.', where);
    if (
      typeof value !== 'string' ||
      value.length > MAX_BATCH_HEADER_VALUE_LENGTH ||
      !BATCH_HEADER_VALUE.test(value)
    ) {
      throw ApiError.badRequest(
        `A header value must be a string of at most ${MAX_BATCH_HEADER_VALUE_LENGTH} visible ASCII characters.`,
        where,
      );
    }
    const key = name.toLowerCase();
    if (key in checked) throw ApiError.badRequest('The header is given twice.', where);
    // A copy of the batch's own Authorization is harmless; any other value would act as someone else.
    if (key === 'authorization' && value === callerAuthorization) continue;
    if (RESERVED_HEADERS.has(key)) {
      throw ApiError.badRequest(
        key === 'authorization'
          ? "Each request runs with the batch's own Authorization; it cannot be changed."
          : `The ${name} header is set by the service and cannot be given.`,
        where,
      );
    }
    checked[key] = value;
  }
  return checked;
}

/** Ids on a dependency cycle, or undefined. */
function findCycle(requests: ReadonlyArray<{ id: string; dependsOn: string[] }>): string[] | undefined {
  const byId = new Map(requests.map((request) => [request.id, request]));
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'visiting');
    trail.push(id);
    for (const next of byId.get(id)?.dependsOn ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const request of requests) {
    const cycle = visit(request.id);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Checks a whole batch before anything runs (any fault is a 400 for the batch, naming the request):
 * unique ids, URLs on this service, headers a request may set, a body only where one belongs and only
 * JSON, dependencies that exist and form no cycle.
 */
export function planBatch(
  requests: readonly BatchRequestItemDto[],
  callerAuthorization: string,
): PlannedRequest[] {
  const ids = new Set<string>();
  const planned = requests.map((request, index): PlannedRequest => {
    const target = `requests[${index}]`;
    if (ids.has(request.id))
      throw ApiError.badRequest(`The id '${request.id}' is used twice.`, `${target}.id`);
    ids.add(request.id);
    const url = resolveUrl(request.url, `${target}.url`);
    const headers = checkHeaders(request.headers, callerAuthorization, `${target}.headers`);
    if (request.body !== undefined && (request.method === 'GET' || request.method === 'DELETE')) {
      throw ApiError.badRequest(`A ${request.method} request has no body.`, `${target}.body`);
    }
    const contentType = headers['content-type'];
    if (contentType !== undefined && !JSON_MEDIA_TYPE.test(contentType)) {
      throw ApiError.badRequest(
        'Only JSON bodies are supported in a batch (Content-Type: application/json).',
        `${target}.headers`,
      );
    }
    if (request.body !== undefined) headers['content-type'] ??= 'application/json';
    return {
      id: request.id,
      method: request.method,
      url,
      headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      dependsOn: [...new Set(request.dependsOn ?? [])],
    };
  });
  planned.forEach((request, index) => {
    const unknown = request.dependsOn.find((id) => !ids.has(id));
    if (unknown !== undefined) {
      throw ApiError.badRequest(
        `dependsOn names '${unknown}', which is not a request of this batch.`,
        `requests[${index}].dependsOn`,
      );
    }
  });
  const cycle = findCycle(planned);
  if (cycle) throw ApiError.badRequest(`The dependencies form a cycle: ${cycle.join(' → ')}.`, 'requests');
  return planned;
}

export interface BatchOutcome {
  status: number;
}

/**
 * Runs the requests, at most `concurrency` at a time, each once all it depends on has answered: when one
 * of those did not succeed (not 2xx), `failed` answers for it and it never runs. Outcomes by id.
 */
export async function runBatch<T extends BatchOutcome>(
  plan: readonly PlannedRequest[],
  concurrency: number,
  send: (request: PlannedRequest) => Promise<T>,
  failed: (request: PlannedRequest, dependency: string, outcome: T) => T,
): Promise<Map<string, T>> {
  const outcomes = new Map<string, T>();
  const started = new Set<string>();
  let running = 0;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      let progressed = true;
      while (progressed) {
        progressed = false;
        for (const request of plan) {
          if (started.has(request.id) || !request.dependsOn.every((id) => outcomes.has(id))) continue;
          const failure = request.dependsOn.find((id) => !isSuccess((outcomes.get(id) as T).status));
          if (failure !== undefined) {
            started.add(request.id);
            outcomes.set(request.id, failed(request, failure, outcomes.get(failure) as T));
            progressed = true;
            continue;
          }
          if (running >= concurrency) continue;
          started.add(request.id);
          running++;
          send(request).then((outcome) => {
            outcomes.set(request.id, outcome);
            running--;
            pump();
          }, reject);
        }
      }
      if (outcomes.size === plan.length) resolve(outcomes);
    };
    pump();
  });
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
