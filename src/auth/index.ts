export { Auth } from './auth.decorator';
export { AuthModule } from './auth.module';
export { AuthenticationGuard } from './authentication.guard';
export { ADMIN_ROLE, authenticatedUserOf, userReferenceOf } from './authenticated-user';
export { CurrentUser } from './current-user.decorator';
export { IdentityProvider } from './identity-provider';
export { SignInHandlers, type SignInHandler } from './sign-in.handler';
export type { AuthOptions } from './auth.decorator';
export type { AuthenticatedUser, TokenInfo, UserReference } from './authenticated-user';
