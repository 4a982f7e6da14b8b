import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AzureAdStrategy } from './azure-ad.strategy';
import { IdentityProvider } from './identity-provider';
import { SignInHandlers } from './sign-in.handler';

/**
 * Token validation: the identity provider (Azure AD, or the local one started here in local mode) and
 * the BearerStrategy, and the SignInHandlers the users module plugs into. The guard itself is registered as
 * APP_GUARD by the app module.
 */
@Module({
  providers: [
    SignInHandlers,
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
