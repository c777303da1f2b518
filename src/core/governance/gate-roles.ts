import { PlanError, type PlanIssue } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { workspaceRoles, type RoleDeclaration } from '../roles.js';
import { gateRoles } from './gate-requirements.js';

/**
 * The members of every role the plan's gates name, from the workspace registry's roles (and
 * the built-in ones), for `run.created` to pin: from then on the run's gates count these, and
 * an edit of `baton.yaml` changes no existing run. Throws PlanError, at the gate, for a role
 * that is not one or that has no members (nobody could ever approve such a gate). Empty when
 * the plan's gates name no role, so runs without role gates record nothing new.
 * @example
 * pinRoleMembers(plan, { governor: { members: ['alice', 'bob'] } }) // { governor: ['alice', 'bob'] }
 */
export function pinRoleMembers(
  plan: Plan,
  declared: Readonly<Record<string, RoleDeclaration>> | undefined,
): Record<string, string[]> {
  const roles = workspaceRoles(declared);
  const pinned: Record<string, string[]> = {};
  const issues: PlanIssue[] = [];
  (plan.phases ?? []).forEach((phase, index) => {
    if (typeof phase === 'string' || phase.gate === undefined) return;
    for (const name of gateRoles([phase.gate])) {
      const role = Object.hasOwn(roles, name) ? roles[name] : undefined;
      const path = ['phases', index, 'gate'];
      if (role === undefined)
        issues.push({
          path,
          message: `the gate of "${phase.id}" names role "${name}", which is not a role of the workspace registry (roles: ${Object.keys(roles).join(', ')}); declare it under roles: in baton.yaml with its members`,
        });
      else if (role.members.length === 0)
        issues.push({
          path,
          message: `the gate of "${phase.id}" names role "${name}", which has no members, so nobody could approve it; list them under roles.${name}.members in baton.yaml`,
        });
      else pinned[name] = [...role.members];
    }
  });
  if (issues.length > 0) throw new PlanError(issues);
  return pinned;
}

/**
 * The roles a revision's gates name that the run did not pin when it was created: a revision
 * may not bring in approvers the run was not admitted with.
 * @example unpinnedRoles(revised, state.roleMembers) // ['auditor']
 */
export function unpinnedRoles(plan: Plan, pinned: Readonly<Record<string, readonly string[]>>): string[] {
  const gates = (plan.phases ?? []).flatMap((phase) => (typeof phase === 'string' || !phase.gate ? [] : [phase.gate]));
  return gateRoles(gates).filter((role) => !Object.hasOwn(pinned, role));
}
