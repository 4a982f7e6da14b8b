/**
 * The parts of passport 0.7 and passport-azure-ad 4.3 this service uses (neither ships type definitions).
 */
declare module 'passport-azure-ad' {
  export interface BearerStrategyOptions {
    identityMetadata: string;
    clientID: string;
    audience?: string | string[];
    validateIssuer?: boolean;
    issuer?: string | string[];
    passReqToCallback?: false;
    allowMultiAudiencesInToken?: boolean;
    clockSkew?: number;
    loggingLevel?: 'info' | 'warn' | 'error';
    loggingNoPII?: boolean;
    scope?: string[];
  }

  /** The verified payload of an access token. */
  export type TokenPayload = Record<string, unknown>;

  export class BearerStrategy {
    constructor(
      options: BearerStrategyOptions,
      verify: (payload: TokenPayload, done: (error: unknown, user?: unknown, info?: unknown) => void) => void,
    );
    name: string;
  }
}

declare module 'passport' {
  export type AuthenticateCallback = (error: unknown, user: unknown, info: unknown, status?: number) => void;

  export class Authenticator {
    use(name: string, strategy: unknown): this;
    authenticate(
      strategy: string,
      options: { session: boolean },
      callback: AuthenticateCallback,
    ): (request: unknown, response: unknown, next: (error?: unknown) => void) => void;
  }

  export const Passport: typeof Authenticator;
}
