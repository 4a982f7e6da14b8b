import { Injectable } from '@nestjs/common';
import { ExtensionPoint } from '../common/extension-point';
import type { AuthenticatedUser, TokenInfo } from './authenticated-user';

/**
 * What happens when someone signs in. The guard calls it on every authenticated request once the token is
 * valid and has the API's scope; the users module plugs it in (upsert of the profile on the first request
 * made with a token, then cached), so the auth module does not depend on the users module.
 */
export interface SignInHandler {
  signIn(user: AuthenticatedUser, token: string, info: TokenInfo): Promise<void>;
}

/** Where the users module plugs its sign-in in; the guard awaits every handler, in order. */
@Injectable()
export class SignInHandlers extends ExtensionPoint<SignInHandler> implements SignInHandler {
  async signIn(user: AuthenticatedUser, token: string, info: TokenInfo): Promise<void> {
    for (const handler of this.plugged) await handler.signIn(user, token, info);
  }
}
