import { Logger, OnModuleDestroy } from '@nestjs/common';
import { globalAgent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { AppConfig } from '../config/app-config';
import type { LocalIdpServer } from './local-identity-provider';

/**
 * Where tokens come from: Azure AD, or in local mode the loopback provider this service runs itself.
 * Tokens of tenant `<tid>` are issued by `${issuerBaseUrl}/<tid>/v2.0`, as Azure AD v2 does.
 */
export class IdentityProvider implements OnModuleDestroy {
  private readonly logger = new Logger('Auth');

  private constructor(
    /** The discovery document BearerStrategy reads (https, as it requires). */
    readonly metadataUrl: string,
    readonly issuerBaseUrl: string,
    private readonly local?: LocalIdpServer,
  ) {}

  static async create(config: AppConfig): Promise<IdentityProvider> {
    const auth = config.auth;
    if (auth.mode === 'azure-ad') {
      return new IdentityProvider(
        `${auth.authority}/${auth.tenantId}/v2.0/.well-known/openid-configuration`,
        auth.authority,
      );
    }
    // Loaded only in local mode: production never runs this code.
    const localIdp = await import('./local-identity-provider');
    const keys = await localIdp.loadKeyMaterial(auth.localIdp.dir);
    trustCertificate(keys.tls.cert);
    const port = auth.localIdp.port;
    const server = await localIdp
      .startProvider({ keys, port })
      .catch(async (error: NodeJS.ErrnoException) => {
        // Another instance on this machine, with the same key folder, serves it already: use that one.
        if (error.code === 'EADDRINUSE' && port !== 0 && (await localIdp.servesKeys(port, keys)))
          return undefined;
        throw new Error(
          `the local identity provider cannot listen on 127.0.0.1:${port} (${error.code ?? error.message}): ` +
            'set LOCAL_IDP_PORT to a free port (the token script reads the same setting)',
        );
      });
    const url = server?.url ?? localIdp.providerUrl(port);
    const provider = new IdentityProvider(
      `${url}/${auth.tenantId}/v2.0/.well-known/openid-configuration`,
      url,
      server,
    );
    if (!server) provider.logger.log(`local identity provider at ${url}, served by another instance`);
    provider.logger.log(
      `local identity provider at ${url}: get a token with ` +
        '`T=$(npm run --silent token -- --tenant 11111111-1111-4111-8111-111111111111 --user aaaaaaaa-0000-4000-8000-000000000001)` ' +
        `and paste it into the Authorize button of Swagger UI (http://localhost:${config.port}/docs), ` +
        'or send it as `Authorization: Bearer $T`',
    );
    return provider;
  }

  /** True in local mode: the provider runs in this process. */
  get isLocal(): boolean {
    return this.local !== undefined;
  }

  async onModuleDestroy(): Promise<void> {
    await this.local?.close();
  }
}

/**
 * BearerStrategy fetches the metadata and keys through https's global agent: the local provider's
 * self-signed certificate is added to the CAs that agent trusts (with the usual roots), instead of
 * turning certificate checks off.
 */
function trustCertificate(cert: string): void {
  const current = globalAgent.options.ca;
  const cas =
    current === undefined ? [...rootCertificates] : Array.isArray(current) ? [...current] : [current];
  if (cas.some((ca) => String(ca) === cert)) return;
  globalAgent.options.ca = [...cas, cert];
}
