import { BatonError, ErrorCode, scopeAllows } from '../core/index.js';
import { suggest } from '../core/plan/validate.js';

/**
 * What an MCP session may do, the same scopes as the HTTP API's tokens: `read` (runs, state,
 * logs, dry runs), `operate` (submit plans, report, route, hand off, signal, pause, resume,
 * abort, record insights), `perform` (a `human` step's task result), `approve` (answer what
 * needs a person: gates, confirmations, escalations; it includes `perform`) and `admin`
 * (everything, and submitting a plan that runs programs on the server: requirePlanScope in the
 * engine).
 */
export const Scope = {
  read: 'read',
  operate: 'operate',
  perform: 'perform',
  approve: 'approve',
  admin: 'admin',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const SCOPES: readonly Scope[] = Object.values(Scope);

/**
 * A local client (`baton mcp` over stdio) reads and operates but does not approve: an agent
 * must not pass the gates that are there to stop it. `--scope` grants `approve` explicitly.
 */
export const DEFAULT_STDIO_SCOPES: readonly Scope[] = [Scope.read, Scope.operate];

/** Whether a session holding `granted` may do what needs `needed`: the rule of every surface (`scopeAllows`). */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return scopeAllows(granted, needed);
}

/** A tool or resource the session's scopes do not allow. Nothing was done. */
export class ScopeError extends Error {
  readonly code = 'forbidden';
  constructor(
    readonly needed: Scope,
    granted: readonly Scope[],
    what: string,
  ) {
    const hint =
      needed === Scope.perform
        ? " A person's task is done by a person (baton submit RUN STEP), or by a client started with a --scope list that includes perform."
        : needed === Scope.approve
          ? ' Decisions that need a person are answered by a person (baton approve|deny RUN TARGET), or by a client started with --scope read,operate,approve.'
          : ` Start the server with a --scope list that includes ${needed}.`;
    super(
      `${what} needs the "${needed}" scope, which this MCP session does not have (it has: ${granted.length === 0 ? 'none' : granted.join(', ')}).${hint}`,
    );
    this.name = 'ScopeError';
  }
}

export function requireScope(granted: readonly Scope[], needed: Scope, what: string): void {
  if (!hasScope(granted, needed)) throw new ScopeError(needed, granted, what);
}

/**
 * Reads a comma-separated scope list (`read,operate,approve`). Unknown or empty names are bad
 * input that say what would be valid.
 * @example parseScopes('read, operate') // ['read', 'operate']
 */
export function parseScopes(text: string, option = '--scope'): Scope[] {
  const names = text.split(',').map((name) => name.trim());
  if (names.every((name) => name === ''))
    throw new BatonError(ErrorCode.badInput, `${option} needs at least one scope; scopes: ${SCOPES.join(', ')}`);
  const scopes: Scope[] = [];
  for (const name of names) {
    if (name === '') continue;
    if (!(SCOPES as readonly string[]).includes(name)) {
      throw new BatonError(
        ErrorCode.badInput,
        `unknown scope "${name}" in ${option}${suggest(name, SCOPES)}; scopes: ${SCOPES.join(', ')}`,
      );
    }
    if (!scopes.includes(name as Scope)) scopes.push(name as Scope);
  }
  return scopes;
}
