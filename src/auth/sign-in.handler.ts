import type { AuthenticatedUser, TokenInfo } from './authenticated-user';

/**
 * What happens when someone signs in. The guard calls it on every authenticated request once the token is
 * valid and has the API's scope; the users module provides it (upsert of the profile on the first request
 * made with a token, then cached), so the auth module does not depend on the users module.
 */
export abstract class SignInHandler {
  abstract signIn(user: AuthenticatedUser, token: string, info: TokenInfo): Promise<void>;
}
