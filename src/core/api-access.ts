/**
 * The vocabulary of API access: what a bearer token may do, and a token as the workspace keeps
 * it. The server checks it, the engine issues tokens and the store persists them, so it lives
 * below all three rather than in any one of them.
 */

/** What an API token may do; `admin` may do everything (docs/api.md lists each route's scope). */
export const API_SCOPES = ['read', 'operate', 'approve', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** A bearer token of the HTTP API as the store keeps it: never its secret, only a hash of it (see engine/api-tokens.ts). */
export interface ApiToken {
  /** `tok_` and 12 hex digits; shown by `baton token list`. */
  id: string;
  /** Unique in the workspace, revoked tokens included: the ledger records actions as `token:<name>`. */
  name: string;
  scopes: ApiScope[];
  createdAt: string;
  revokedAt: string | null;
}
