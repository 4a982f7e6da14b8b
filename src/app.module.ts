import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApiErrorFilter } from './common/api-error.filter';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { TelemetryModule } from './telemetry/telemetry.module';

export type ModuleImports = NonNullable<ModuleMetadata['imports']>;

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extraImports: ModuleImports = []): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), TelemetryModule, DatabaseModule, HealthModule, ...extraImports],
      providers: [{ provide: APP_FILTER, useClass: ApiErrorFilter }],
    };
  }
}
