import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** How the fake answers. */
export type FakeGraphMode =
  /** Token endpoint and Graph both answer. */
  | 'ok'
  /** The token endpoint refuses the assertion (400 invalid_grant, as Azure AD does for a bad OBO). */
  | 'token-refused'
  /** The token endpoint answers 500 without JSON. */
  | 'token-broken'
  /** Graph answers 503. */
  | 'graph-unavailable'
  /** Graph never answers. */
  | 'graph-hangs';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form?: URLSearchParams;
}

export const GRAPH_ACCESS_TOKEN = 'graph-access-token-for-tests';

export const GRAPH_PROFILE = {
  mail: 'adele.vance@contoso.test',
  jobTitle: 'Retail Manager',
  department: 'Retail',
  officeLocation: '18/2111',
  businessPhones: ['+1 425 555 0109'],
};

/**
 * One loopback HTTP server that plays both Azure AD's token endpoint (`POST /<tenant>/oauth2/v2.0/token`)
 * and Microsoft Graph (`GET /v1.0/me`): point AZURE_AD_AUTHORITY at `authority` and GRAPH_BASE_URL at
 * `graphBaseUrl`. It records every request.
 */
export class FakeGraph {
  readonly requests: RecordedRequest[] = [];
  mode: FakeGraphMode = 'ok';
  profile: Record<string, unknown> = GRAPH_PROFILE;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly authority: string,
    readonly graphBaseUrl: string,
  ) {}

  static async start(): Promise<FakeGraph> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const fake = new FakeGraph(server, `http://127.0.0.1:${port}`, `http://127.0.0.1:${port}/v1.0`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  tokenRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.path.endsWith('/oauth2/v2.0/token'));
  }

  graphRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.path.startsWith('/v1.0/'));
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const url = new URL(req.url ?? '/', this.authority);
    const recorded: RecordedRequest = { method: req.method ?? '', path: url.pathname, headers: req.headers };
    this.requests.push(recorded);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };

    if (req.method === 'POST' && /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname)) {
      recorded.form = new URLSearchParams(body);
      if (this.mode === 'token-refused') {
        return json(400, {
          error: 'invalid_grant',
          error_description: 'AADSTS50013: Assertion failed signature validation.',
          error_codes: [50013],
        });
      }
      if (this.mode === 'token-broken') {
        res.writeHead(500, { 'content-type': 'text/plain' });
        return void res.end('internal error');
      }
      return json(200, { token_type: 'Bearer', expires_in: 3599, access_token: GRAPH_ACCESS_TOKEN });
    }

    if (req.method === 'GET' && url.pathname === '/v1.0/me') {
      if (req.headers.authorization !== `Bearer ${GRAPH_ACCESS_TOKEN}`) {
        return json(401, { error: { code: 'InvalidAuthenticationToken' } });
      }
      if (this.mode === 'graph-unavailable') return json(503, { error: { code: 'serviceNotAvailable' } });
      if (this.mode === 'graph-hangs') return void this.hanging.add(res);
      return json(200, {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
        ...this.profile,
      });
    }
    json(404, { error: 'not_found' });
  }
}
