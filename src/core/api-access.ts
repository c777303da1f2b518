/**
 * The vocabulary of API access: what a bearer token may do, and a token as the workspace keeps
 * it. The server checks it, the engine issues tokens and the store persists them, so it lives
 * below all three rather than in any one of them.
 */

/**
 * What an API token or MCP session may do (docs/api.md lists each route's scope): `read`,
 * `operate` (submit, signal, pause...), `perform` (a person's work: the result of a `human`
 * step's task), `approve` (what a person decides: gates, confirmations, escalations; it
 * includes `perform`) and `admin` (everything). `perform` is apart from `approve` so that an
 * agent may do a person's task without being able to open the gates that are there to stop it.
 */
export const API_SCOPES = ['read', 'operate', 'perform', 'approve', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/**
 * Whether `granted` may do what needs `needed`: the scope itself, `admin`, or `approve` for
 * `perform`. The one rule every surface applies (HTTP, MCP, the engine's own checks).
 * @example scopeAllows(['approve'], 'perform') // true
 */
export function scopeAllows(granted: readonly ApiScope[], needed: ApiScope): boolean {
  return granted.includes(needed) || granted.includes('admin') || (needed === 'perform' && granted.includes('approve'));
}

/**
 * The scope a person's result needs: `perform` for a `human` step's task, `approve` for an
 * escalated step's output given in place of its capability (that overrides the escalation).
 */
export function resultScope(waitingFor: 'human' | 'escalation'): ApiScope {
  return waitingFor === 'human' ? 'perform' : 'approve';
}

/** A bearer token of the HTTP API as the store keeps it: never its secret, only a hash of it (see engine/api-tokens.ts). */
export interface ApiToken {
  /** `tok_` and 12 hex digits; shown by `baton token list`. */
  id: string;
  /** Unique in the workspace, revoked tokens included: the ledger records actions as `token:<name>`. */
  name: string;
  scopes: ApiScope[];
  /** The workspace role it was created for (`--role`), whose scopes it got then; absent: made with `--scope`. */
  role?: string;
  createdAt: string;
  revokedAt: string | null;
}
