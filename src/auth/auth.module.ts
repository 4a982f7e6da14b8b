import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AzureAdStrategy } from './azure-ad.strategy';
import { IdentityProvider } from './identity-provider';

/**
 * Token validation: the identity provider (Azure AD, or the local one started here in local mode) and
 * the BearerStrategy. The guard itself is registered as APP_GUARD by the app module, where the sign-in
 * handler of the users module is visible too.
 */
@Module({
  providers: [
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
  exports: [IdentityProvider, AzureAdStrategy],
})
export class AuthModule {}
