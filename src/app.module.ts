import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { AuthModule } from './auth';
import { ChannelsModule } from './channels/channels.module';
import { AdminModule } from './admin/admin.module';
import { BatchModule } from './batch/batch.module';
import { ApiErrorFilter } from './common/errors/api-error.filter';
import { RateLimitModule } from './common/http/rate-limit';
import { ResourceHeadersInterceptor } from './common/http/resource-headers.interceptor';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ContactsModule } from './contacts/contacts.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetadataModule } from './metadata/metadata.module';
import { ODataJsonFormatInterceptor } from './metadata/odata-json-format.interceptor';
import { SharedStateModule } from './shared-state/shared-state.module';
import { TabsModule } from './tabs/tabs.module';
import { TelemetryModule } from './telemetry/telemetry.module';
import { UsersModule } from './users';

export type ModuleImports = NonNullable<ModuleMetadata['imports']>;

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extraImports: ModuleImports = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TelemetryModule,
        DatabaseModule,
        SharedStateModule,
        HealthModule,
        AuthModule,
        UsersModule,
        ChannelsModule,
        TabsModule,
        ContactsModule,
        RateLimitModule,
        AdminModule,
        MetadataModule,
        BatchModule,
        ...extraImports,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ApiErrorFilter },
        // Outermost first: the ETag header is read from the body before `odata.metadata=none` strips it.
        { provide: APP_INTERCEPTOR, useClass: ODataJsonFormatInterceptor },
        { provide: APP_INTERCEPTOR, useClass: ResourceHeadersInterceptor },
      ],
    };
  }
}
