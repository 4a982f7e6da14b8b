import type { TelemetryClient } from 'applicationinsights';

export const CLOUD_ROLE_NAME = 'contact-pro-api';

/**
 * Loads the Application Insights SDK and makes a client that sends only what this service tracks.
 *
 * Loaded here, on demand, because merely requiring the SDK patches `require` (diagnostic-channel) unless
 * switched off beforehand. A plain TelemetryClient rather than `setup()/start()`: it auto-collects nothing
 * (no http/console/exception patching, no performance or heartbeat timers, no live metrics, no disk
 * cache), and it is not the process-wide default client, so each app instance owns its own.
 */
export async function createTelemetryClient(connectionString: string): Promise<TelemetryClient> {
  // Both are read once, when the SDK loads: no require-patching for auto-collection that stays off, and
  // no statsbeat (the SDK's usage reports to Microsoft's own endpoint, outside this connection string).
  process.env.APPLICATION_INSIGHTS_NO_DIAGNOSTIC_CHANNEL = 'true';
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  const appInsights = await import('applicationinsights');
  // The SDK's own diagnostics go to the console, outside the service's JSON log.
  appInsights.Configuration.setInternalLogging(false, false);
  const client = new appInsights.TelemetryClient(connectionString);
  client.context.tags[client.context.keys.cloudRole] = CLOUD_ROLE_NAME;
  return client;
}
