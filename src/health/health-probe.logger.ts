import { ConsoleLogger, Injectable, Logger } from '@nestjs/common';

/** Probes run every few seconds: their failures go to the debug level, or they would flood the logs. */
@Injectable()
export class HealthProbeLogger extends ConsoleLogger {
  private readonly logger = new Logger('Health');

  override error(message: unknown): void {
    this.logger.debug(message);
  }
  override warn(message: unknown): void {
    this.logger.debug(message);
  }
  override log(message: unknown): void {
    this.logger.debug(message);
  }
}
