import type { MiddlewareHandler } from 'hono';
import { allows, API_SCOPES, type ApiScope, type ApiTokens } from '../engine/index.js';
import { isLoopbackHost } from './binding.js';
import { ApiError, ApiErrorCode } from './errors.js';
import type { AppEnv, Principal } from './route.js';

export interface AuthOptions {
  tokens: ApiTokens;
  /**
   * `when-no-tokens`: a request without a token acts as `http:anonymous` (with
   * `anonymousScopes`), as long as the workspace has no token that is not revoked (checked on every request, so
   * the first `baton token create` closes the server at once). Only for servers bound to a
   * loopback address; `never` everywhere else.
   */
  anonymous: 'never' | 'when-no-tokens';
  /**
   * What an anonymous request may do where one is served: `read` by default, so an open
   * server shows runs but lets nobody act as nobody; every scope only when the operator said so
   * (`baton serve --allow-anonymous`).
   */
  anonymousScopes?: readonly ApiScope[];
}

/** Who an anonymous request acts as, with what it may do. */
export function anonymousPrincipal(scopes: readonly ApiScope[] = ['read']): Principal {
  return { by: 'http:anonymous', scopes, tokenId: null };
}

/** The principal of `baton serve --allow-anonymous`: every scope. */
export const ANONYMOUS: Principal = anonymousPrincipal(API_SCOPES);

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="baton"' };

/**
 * Finds who is asking: the token in `Authorization: Bearer <secret>`, or, on an open loopback
 * server, nobody in particular. A wrong token is refused even where anonymous requests pass:
 * a client that sends one means to be someone.
 */
export function authenticate(options: AuthOptions): MiddlewareHandler<AppEnv> {
  const anonymous = anonymousPrincipal(options.anonymousScopes);
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined) {
      if (options.anonymous === 'when-no-tokens' && !(await options.tokens.any())) {
        // The request's URL carries its Host header (as @hono/node-server builds it): a browser
        // tricked by DNS rebinding sends the attacker's name there, not a loopback one.
        if (!isLoopbackHost(new URL(c.req.url).hostname)) {
          throw new ApiError(
            ApiErrorCode.unauthorized,
            'this server answers requests without a token only when they are addressed to localhost, 127.0.0.1 or [::1]',
            undefined,
            CHALLENGE,
          );
        }
        c.set('principal', anonymous);
        return next();
      }
      throw new ApiError(
        ApiErrorCode.unauthorized,
        'this request needs a token: send Authorization: Bearer <token> (create one with baton token create --scope ...)',
        undefined,
        CHALLENGE,
      );
    }
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match)
      throw new ApiError(
        ApiErrorCode.unauthorized,
        'the Authorization header must be "Bearer <token>"',
        undefined,
        CHALLENGE,
      );
    const result = await options.tokens.authenticate(match[1] as string);
    if (!result.ok) throw new ApiError(ApiErrorCode.unauthorized, result.reason, undefined, CHALLENGE);
    c.set('principal', { by: `token:${result.token.name}`, scopes: result.token.scopes, tokenId: result.token.id });
    return next();
  };
}

export function requireScope(scope: ApiScope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!allows(principal.scopes, scope)) {
      const remedy =
        principal.tokenId === null
          ? `send a token that has it (baton token create --scope ${scope}), or start baton serve with --allow-anonymous`
          : `create a token with --scope ${scope}`;
      throw new ApiError(
        ApiErrorCode.forbidden,
        `this needs the ${scope} scope; ${principal.by} has ${principal.scopes.join(', ')} (${remedy})`,
      );
    }
    return next();
  };
}

/**
 * Refuses requests a browser sends from another origin than the server's own or the one
 * allowed with `--cors`: with CORS off, a page elsewhere must not be able to act through a
 * visitor's browser (on an open loopback server, it would need no token at all).
 */
export function refuseForeignOrigins(allowed: string | null): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined || origin === allowed) return next();
    if (origin === new URL(c.req.url).origin) return next();
    throw new ApiError(
      ApiErrorCode.forbidden,
      `requests from the web origin ${JSON.stringify(origin.slice(0, 200))} are refused; start baton serve with --cors ${origin.slice(0, 200)} to allow it`,
    );
  };
}
