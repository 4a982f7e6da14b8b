import { Module } from '@nestjs/common';
import { Telemetry } from './telemetry.service';

/** Application Insights: requests, MongoDB dependencies and exceptions; off without a connection string. */
@Module({
  providers: [Telemetry],
  exports: [Telemetry],
})
export class TelemetryModule {}
