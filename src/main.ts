import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { AppConfig, ConfigError } from './config/app-config';
import { loadConfig } from './config/load-config';
import { exitGracefullyOnSignals } from './health/graceful-shutdown';

function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

async function bootstrap(): Promise<void> {
  const config = configOrExit();
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  exitGracefullyOnSignals(app, config.hardening.shutdownGraceMs);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  new Logger('Bootstrap').log(`Contact Pro API listening on ${url} (Swagger UI at ${url}/docs)`);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `Contact Pro API failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
