import { createHash, randomBytes } from 'node:crypto';
import {
  API_SCOPES,
  BatonError,
  ErrorCode,
  NotFoundError,
  scopeAllows,
  type ApiScope,
  type ApiToken,
} from '../core/index.js';
import type { WorkspaceStore } from '../store/index.js';

/** Every secret starts with this, so that secret scanners and people can tell what it is. */
export const TOKEN_PREFIX = 'baton_';

/** 32 random bytes in base64url: 43 characters after the prefix. */
const SECRET = /^baton_[A-Za-z0-9_-]{43}$/;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/**
 * The hash a secret is stored and looked up by. A plain SHA-256, without salt or a slow KDF,
 * is enough because the secret is 256 random bits rather than a password a person chose:
 * slow hashes exist to make guessing low-entropy secrets expensive, and no amount of hashing
 * speed makes guessing one of 2^256 secrets feasible. Being deterministic, it also lets each
 * request find its token through a unique index instead of comparing against every token.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Who a token's requests are recorded as in ledgers (`by`). */
export function principalOf(token: Pick<ApiToken, 'name'>): string {
  return `token:${token.name}`;
}

/**
 * Reads `read,operate` (or a list) into scopes, refusing unknown ones with the valid list.
 * @example parseScopes('read, operate') // ['read', 'operate']
 */
export function parseScopes(given: string | readonly string[]): ApiScope[] {
  const names = (typeof given === 'string' ? given.split(',') : given)
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !(API_SCOPES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    const what =
      names.length === 0
        ? 'no scope was given'
        : `unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `"${name}"`).join(', ')}`;
    throw new BatonError(
      ErrorCode.badInput,
      `${what}; scopes are ${API_SCOPES.join(', ')} (comma-separated, for example read,operate)`,
    );
  }
  return API_SCOPES.filter((scope) => names.includes(scope));
}

/** Refuses a name that cannot be a token's (bad input), so that a caller can check before it opens a workspace. */
export function checkTokenName(name: string): void {
  if (!NAME.test(name) || name.startsWith('tok_')) {
    throw new BatonError(
      ErrorCode.badInput,
      `token name ${JSON.stringify(name.slice(0, 100))} is not valid: use 1-64 letters, digits, _, ., @ and -, starting with a letter or digit, and not starting with tok_ (ids do)`,
    );
  }
}

/** True when a token with these scopes may act in `needed` (see `scopeAllows`). */
export function allows(scopes: readonly ApiScope[], needed: ApiScope): boolean {
  return scopeAllows(scopes, needed);
}

export type Authentication = { ok: true; token: ApiToken } | { ok: false; reason: string };

/**
 * The workspace's API tokens (`baton token`, `baton serve`): created with a secret shown once,
 * kept as a hash, revoked but never deleted.
 * @example
 * const { token, secret } = await baton.tokens.create({ name: 'ci', scopes: ['read', 'operate'] });
 * (await baton.tokens.authenticate(secret)).ok // true
 */
export class ApiTokens {
  constructor(
    private readonly store: WorkspaceStore,
    private readonly now: () => number,
  ) {}

  /**
   * Makes a token; the secret is returned here and never again. Bad names or scopes write
   * nothing. `role`: the role whose scopes these are (`baton token create --role`), kept with the
   * token so that what it was made as is on record, not only what it may do.
   */
  async create(args: {
    name?: string;
    scopes: readonly string[];
    role?: string;
  }): Promise<{ token: ApiToken; secret: string }> {
    const scopes = parseScopes(args.scopes);
    if (args.name !== undefined) checkTokenName(args.name);
    const id = `tok_${randomBytes(6).toString('hex')}`;
    const name = args.name ?? id;
    const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const token = await this.store.createApiToken({
      id,
      name,
      scopes,
      ...(args.role !== undefined && { role: args.role }),
      createdAt: new Date(this.now()).toISOString(),
      revokedAt: null,
      secretHash: hashSecret(secret),
    });
    return { token, secret };
  }

  /** The token a secret belongs to, or why it is refused. The reason never repeats the secret. */
  async authenticate(secret: string): Promise<Authentication> {
    if (!SECRET.test(secret))
      return {
        ok: false,
        reason: `the bearer token is not a Baton token (they start with ${TOKEN_PREFIX}; create one with baton token create)`,
      };
    const token = await this.store.findApiToken(hashSecret(secret));
    if (!token) return { ok: false, reason: 'the bearer token is unknown to this workspace' };
    if (token.revokedAt !== null)
      return { ok: false, reason: `the bearer token "${token.name}" was revoked at ${token.revokedAt}` };
    return { ok: true, token };
  }

  list(query: { active?: boolean } = {}): Promise<ApiToken[]> {
    return this.store.listApiTokens(query);
  }

  /** True when at least one token is not revoked. */
  async any(): Promise<boolean> {
    return (await this.store.listApiTokens({ active: true })).length > 0;
  }

  /** Revokes by id or name; NotFoundError for neither, ConflictError when revoked already. */
  async revoke(idOrName: string): Promise<ApiToken> {
    const revoked = await this.store.revokeApiToken({ idOrName, at: new Date(this.now()).toISOString() });
    if (!revoked) throw new NotFoundError(`token "${idOrName}" (baton token list shows the workspace's tokens)`);
    return revoked;
  }
}
