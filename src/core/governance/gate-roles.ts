import type { PlanIssue } from '../errors.js';
import type { Plan } from '../plan/schema.js';
import { roleMembers, type Roles } from '../roles.js';
import { rolesOfGate } from './gate-requirements.js';

/**
 * The registry roles a plan's gates name, as the run will pin them: checked when the run is
 * admitted, so that a gate whose approvals or override no one could ever give is refused
 * before anything runs (fail closed), and recorded in `run.created`, so that the gate counts
 * the members the run was admitted with, whatever baton.yaml says later.
 */

function namedRoles(plan: Plan): { index: number; role: string }[] {
  return (plan.phases ?? []).flatMap((phase, index) =>
    typeof phase === 'string' ? [] : rolesOfGate(phase.gate ?? null).map((role) => ({ index, role })),
  );
}

/**
 * A gate naming a role the workspace registry does not declare, or declares without members,
 * is an issue at that phase's gate (no one could approve or override it).
 * @example gateRoleIssues(plan, { governor: { members: [] } }) // [{ path: ['phases', 1, 'gate'], message: '... no members ...' }]
 */
export function gateRoleIssues(plan: Plan, roles: Roles | undefined): PlanIssue[] {
  return namedRoles(plan).flatMap(({ index, role }): PlanIssue[] => {
    const declared = roles !== undefined && Object.hasOwn(roles, role) ? roles[role] : undefined;
    if (declared?.members !== undefined && declared.members.length > 0) return [];
    return [
      {
        path: ['phases', index, 'gate'],
        message:
          declared === undefined
            ? `the gate names role "${role}", which the workspace registry does not declare${roles === undefined ? ' (there is no workspace registry: baton.yaml, or --registry)' : ''}; declare roles.${role}.members there, the principals who hold it`
            : `the gate names role "${role}", which has no members in the workspace registry; list the principals who hold it under roles.${role}.members`,
      },
    ];
  });
}

/**
 * The members of each role the plan's gates name, for `run.created` (undefined when none do,
 * so runs without role gates record nothing new).
 * @example pinnedRoles(plan, registry.roles) // { governor: ['alice', 'bob'] }
 */
export function pinnedRoles(plan: Plan, roles: Roles | undefined): Record<string, string[]> | undefined {
  const names = new Set(namedRoles(plan).map(({ role }) => role));
  return names.size === 0 ? undefined : roleMembers(roles, names);
}

/**
 * Why a revision may not become a run's plan when its gates name a role the run did not pin
 * when it was created: the run's gates count only pinned members, so such a gate could never
 * open (a revision may not bring in approvers the run was not admitted with). Undefined when
 * every role it names is pinned.
 * @example unpinnedRoles(revised, state) // 'the revision\'s gates name role auditors, whose members run "r1" did not pin ...'
 */
export function unpinnedRoles(
  plan: Plan,
  run: { runId: string; roles: Readonly<Record<string, readonly string[]>> },
): string | undefined {
  const named = [...new Set(namedRoles(plan).map(({ role }) => role))];
  const unpinned = named.filter((role) => !Object.hasOwn(run.roles, role));
  if (unpinned.length === 0) return undefined;
  const pinned = Object.keys(run.roles);
  return `the revision's gates name role${unpinned.length === 1 ? '' : 's'} ${unpinned.join(', ')}, whose members run "${run.runId}" did not pin when it was created (it pinned ${pinned.length === 0 ? 'none' : pinned.join(', ')}); a revision may name only those, or submit a new run`;
}
