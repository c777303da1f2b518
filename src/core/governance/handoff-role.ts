import { BatonError, ErrorCode } from '../errors.js';
import type { Roles } from '../roles.js';

/** A role a handoff is addressed to, with the constraints the workspace registry injects for it, verbatim. */
export interface HandoffRole {
  name: string;
  constraints: string;
}

/**
 * Looks a handoff's receiving role up in the workspace registry's `roles`, keeping its
 * constraints exactly as written (no trimming: the ledger records what was injected). Throws
 * BatonError(badInput) for a role the registry does not declare, naming the ones it does.
 * @example
 * handoffRole({ reviewer: { constraints: 'Never merge.' } }, 'reviewer') // { name: 'reviewer', constraints: 'Never merge.' }
 */
export function handoffRole(roles: Roles | undefined, name: string): HandoffRole {
  const role = roles !== undefined && Object.hasOwn(roles, name) ? roles[name] : undefined;
  if (role === undefined) {
    const known = Object.keys(roles ?? {});
    throw new BatonError(
      ErrorCode.badInput,
      `to.role "${name}" is not a role of the workspace registry (${known.length === 0 ? 'it declares no `roles:`' : `roles: ${known.join(', ')}`}); name one of them, or leave to.role out`,
    );
  }
  if (role.constraints === undefined)
    throw new BatonError(
      ErrorCode.badInput,
      `to.role "${name}" declares no constraints in the workspace registry, and a handoff to a role carries its constraints; give roles.${name}.constraints the text to inject, or leave to.role out`,
    );
  return { name, constraints: role.constraints };
}
