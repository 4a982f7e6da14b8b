import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/app-config';
import { loadConfig } from '../config/load-config';

const BASE = { MONGODB_URI: 'mongodb://127.0.0.1:27017' };
const CLIENT_ID = '6b4bd3a1-0d2f-4c0c-9a57-3b3c2a6f1e42';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('identity settings', () => {
  it('runs the local identity provider by default outside production', () => {
    const { auth, userProfileCache } = loadConfig(BASE);
    expect(auth).toEqual({
      mode: 'local',
      clientId: '00000000-0000-4000-8000-00000000c0de',
      tenantId: 'common',
      allowedTenants: undefined,
      requiredScope: 'access_as_user',
      authority: 'https://login.microsoftonline.com',
      clientSecret: undefined,
      graphBaseUrl: 'https://graph.microsoft.com/v1.0',
      graphTimeoutMs: 3000,
      localIdp: { port: 3999, dir: resolve('.data', 'local-idp') },
    });
    expect(userProfileCache).toEqual({ maxEntries: 10_000, ttlSeconds: 300 });
  });

  it('gives tests a free port and a key folder outside the repository', () => {
    const { auth } = loadConfig({ ...BASE, NODE_ENV: 'test' });
    expect(auth.localIdp).toEqual({ port: 0, dir: join(tmpdir(), 'contact-pro-local-idp') });
  });

  it('validates Azure AD tokens once AZURE_AD_CLIENT_ID is set', () => {
    const { auth } = loadConfig({
      ...BASE,
      AZURE_AD_CLIENT_ID: CLIENT_ID.toUpperCase(),
      AZURE_AD_TENANT_ID: 'common',
      AZURE_AD_ALLOWED_TENANTS: ` ${TENANT_ID.toUpperCase()} , 11111111-1111-4111-8111-111111111111`,
      AZURE_AD_REQUIRED_SCOPE: 'contacts.access',
      AZURE_AD_CLIENT_SECRET: 's3cret',
      AZURE_AD_AUTHORITY: 'https://login.microsoftonline.us/',
      GRAPH_BASE_URL: 'https://graph.microsoft.us/v1.0',
      GRAPH_TIMEOUT_MS: '1500',
    });
    expect(auth).toMatchObject({
      mode: 'azure-ad',
      clientId: CLIENT_ID,
      tenantId: 'common',
      allowedTenants: [TENANT_ID, '11111111-1111-4111-8111-111111111111'],
      requiredScope: 'contacts.access',
      clientSecret: 's3cret',
      authority: 'https://login.microsoftonline.us',
      graphBaseUrl: 'https://graph.microsoft.us/v1.0',
      graphTimeoutMs: 1500,
    });
  });

  it('accepts production with Azure AD settings', () => {
    const config = loadConfig({
      ...BASE,
      NODE_ENV: 'production',
      AZURE_AD_CLIENT_ID: CLIENT_ID,
      AZURE_AD_TENANT_ID: TENANT_ID,
    });
    expect(config.auth).toMatchObject({ mode: 'azure-ad', clientId: CLIENT_ID, tenantId: TENANT_ID });
  });

  it('refuses the local provider in production', () => {
    expect(problemsOf({ NODE_ENV: 'production', AUTH_MODE: 'local' })).toEqual([
      'AUTH_MODE="local": expected azure-ad: the local identity provider is refused when NODE_ENV=production',
    ]);
  });

  it('needs the client and tenant ids in production, and lists them in one error', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([
      expect.stringMatching(/^AZURE_AD_CLIENT_ID is not set/),
      expect.stringMatching(/^AZURE_AD_TENANT_ID is not set/),
    ]);
  });

  it('lists every bad identity setting, never echoing the client secret', () => {
    const problems = problemsOf({
      AUTH_MODE: 'ldap',
      AZURE_AD_CLIENT_ID: 'contact-pro',
      AZURE_AD_TENANT_ID: 'contoso.onmicrosoft.com',
      AZURE_AD_ALLOWED_TENANTS: 'contoso',
      AZURE_AD_REQUIRED_SCOPE: 'access as user',
      AZURE_AD_AUTHORITY: 'http://login.microsoftonline.com',
      GRAPH_BASE_URL: 'https://user:pass@graph.microsoft.com/v1.0',
      GRAPH_TIMEOUT_MS: '0',
      LOCAL_IDP_PORT: '70000',
      USER_PROFILE_CACHE_SIZE: '-1',
      USER_PROFILE_CACHE_TTL_SECONDS: '0',
    });
    expect(problems.map((problem) => problem.split(/[ =]/)[0])).toEqual([
      'AUTH_MODE',
      'AZURE_AD_CLIENT_ID',
      'AZURE_AD_TENANT_ID',
      'AZURE_AD_ALLOWED_TENANTS',
      'AZURE_AD_REQUIRED_SCOPE',
      'AZURE_AD_AUTHORITY',
      'GRAPH_BASE_URL',
      'GRAPH_TIMEOUT_MS',
      'LOCAL_IDP_PORT',
      'USER_PROFILE_CACHE_SIZE',
      'USER_PROFILE_CACHE_TTL_SECONDS',
    ]);
    const secret = problemsOf({
      NODE_ENV: 'production',
      AUTH_MODE: 'local',
      AZURE_AD_CLIENT_SECRET: 'hunter2',
    });
    expect(secret.join('\n')).not.toContain('hunter2');
  });

  it('allows plain http to loopback for test doubles, but not in production', () => {
    const local = {
      AZURE_AD_AUTHORITY: 'http://127.0.0.1:4010',
      GRAPH_BASE_URL: 'http://localhost:4010/v1.0',
    };
    expect(problemsOf(local)).toEqual([]);
    const production = problemsOf({
      ...local,
      NODE_ENV: 'production',
      AZURE_AD_CLIENT_ID: CLIENT_ID,
      AZURE_AD_TENANT_ID: TENANT_ID,
    });
    expect(production.map((problem) => problem.split('=')[0])).toEqual([
      'AZURE_AD_AUTHORITY',
      'GRAPH_BASE_URL',
    ]);
  });
});
