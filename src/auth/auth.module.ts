import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { AuthenticationGuard } from './authentication.guard';
import { AzureAdStrategy } from './azure-ad.strategy';
import { IdentityProvider } from './identity-provider';
import { SignInHandlers } from './sign-in.handler';

/**
 * Token validation: the identity provider (Azure AD, or the local one started here in local mode), the
 * BearerStrategy, the SignInHandlers the users module plugs into, and the global guard that reads
 * `@Auth()` and `@Public()`. Nest runs global guards in the order their modules register: the app module
 * imports this one before the rate limit's, whose limits are per authenticated user.
 */
@Module({
  providers: [
    SignInHandlers,
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    {
      provide: IdentityProvider,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => IdentityProvider.create(config),
    },
    {
      provide: AzureAdStrategy,
      inject: [AppConfig, IdentityProvider],
      useFactory: (config: AppConfig, provider: IdentityProvider) =>
        new AzureAdStrategy(config.auth, provider),
    },
  ],
  exports: [IdentityProvider, AzureAdStrategy, SignInHandlers],
})
export class AuthModule {}
