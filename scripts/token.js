'use strict';
/**
 * `npm run --silent token -- --tenant <tid> --user <oid> [--name <display name>] [--upn <upn>] [--admin]
 *   [--scope <scope>] [--expires-in <seconds>]`
 *
 * Prints one access token of the local identity provider (AUTH_MODE=local) and nothing else on stdout, so
 * that `T=$(npm run --silent token -- …)` works. It reads the same LOCAL_IDP_DIR, LOCAL_IDP_PORT,
 * AZURE_AD_CLIENT_ID and AZURE_AD_REQUIRED_SCOPE as the service, and creates the key material when the
 * service has not yet.
 */
if (process.env.NODE_ENV === 'production') {
  // The service refuses local mode in production; a token of the local provider has no use there.
  process.stderr.write(
    'npm run token mints tokens of the local identity provider, which is refused with NODE_ENV=production\n',
  );
  process.exit(1);
}
// The provider is TypeScript in src/ (it is part of the service); this development command reads it as it is.
require('@swc-node/register');
const {
  issuerFor,
  loadKeyMaterial,
  mintToken,
  providerUrl,
  settingsFromEnv,
} = require('../src/auth/local-identity-provider.ts');

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const USAGE =
  'usage: npm run --silent token -- --tenant <tenant id (GUID)> --user <object id (GUID)> ' +
  '[--name <display name>] [--upn <user principal name>] [--admin] [--scope <scope>] [--expires-in <seconds>]';

class UsageError extends Error {}

function parseArgs(argv) {
  const options = {};
  const valueOptions = new Set(['--tenant', '--user', '--name', '--upn', '--scope', '--expires-in']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--admin') options.admin = true;
    else if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    else if (valueOptions.has(arg)) {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value\n${USAGE}`);
      options[arg.slice(2)] = argv[++i];
    } else throw new UsageError(`unknown argument: ${arg}\n${USAGE}`);
  }
  if (!options.tenant || !GUID.test(options.tenant))
    throw new UsageError(`--tenant must be a GUID\n${USAGE}`);
  if (!options.user || !GUID.test(options.user)) throw new UsageError(`--user must be a GUID\n${USAGE}`);
  if (options['expires-in'] !== undefined && !/^[1-9]\d{0,6}$/.test(options['expires-in'])) {
    throw new UsageError('--expires-in must be a whole number of seconds from 1 to 9999999');
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const settings = settingsFromEnv();
  const keys = await loadKeyMaterial(settings.dir);
  const tenantId = options.tenant.toLowerCase();
  const token = mintToken(keys, {
    issuer: issuerFor(providerUrl(settings.port), tenantId),
    audience: settings.clientId,
    tenantId,
    userId: options.user.toLowerCase(),
    name: options.name,
    upn: options.upn,
    admin: options.admin === true,
    scope: options.scope ?? settings.scope,
    expiresIn: options['expires-in'] === undefined ? undefined : Number(options['expires-in']),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof UsageError ? error.message : error.stack || error}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
