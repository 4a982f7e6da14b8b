import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One telemetry item as the Application Insights SDK sends it (the Breeze envelope). */
export interface Envelope {
  name: string;
  time: string;
  iKey: string;
  tags: Record<string, string>;
  data: { baseType: string; baseData: Record<string, any> };
}

export type BaseType =
  'RequestData' | 'RemoteDependencyData' | 'ExceptionData' | 'MessageData' | 'MetricData';

const TRACK_PATHS = new Set(['/v2.1/track', '/v2/track']);

/**
 * A loopback HTTP server that plays the Application Insights ingestion endpoint. The SDK (2.x) posts
 * gzip-compressed newline-delimited JSON envelopes to `/v2.1/track`; plain bodies and JSON arrays are
 * read too. Point a connection string at it with `connectionString`.
 */
export class FakeIngestion {
  readonly envelopes: Envelope[] = [];
  /** Every request that reached the server, even on paths the SDK should never call. */
  readonly hits: { method: string; path: string }[] = [];
  readonly instrumentationKey = randomUUID();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<FakeIngestion> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const ingestion = new FakeIngestion(server, (server.address() as AddressInfo).port);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void ingestion.handle(req, res));
    return ingestion;
  }

  get connectionString(): string {
    return `InstrumentationKey=${this.instrumentationKey};IngestionEndpoint=http://127.0.0.1:${this.port}/`;
  }

  items(baseType: BaseType): Envelope[] {
    return this.envelopes.filter((envelope) => envelope.data.baseType === baseType);
  }

  /** Resolves with the first item of that type matching `predicate`, waiting for it up to `timeoutMs`. */
  async waitFor(
    baseType: BaseType,
    predicate: (envelope: Envelope) => boolean,
    timeoutMs = 10_000,
  ): Promise<Envelope> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.items(baseType).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.envelopes.map((e) => `${e.data.baseType} ${e.data.baseData.name ?? ''}`);
        throw new Error(
          `no matching ${baseType} within ${timeoutMs} ms; received: ${seen.join(', ') || 'nothing'}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    // The SDK's agent keeps its socket alive: drop it, or close() would wait for its idle timeout.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    this.hits.push({ method: req.method ?? '', path });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !TRACK_PATHS.has(path)) {
      res.writeHead(404).end();
      return;
    }
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const received = parseEnvelopes(body.toString('utf8'));
    this.envelopes.push(...received);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ itemsReceived: received.length, itemsAccepted: received.length, errors: [] }));
  }
}

function parseEnvelopes(text: string): Envelope[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as Envelope[];
  return trimmed
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Envelope);
}
