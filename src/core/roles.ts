import type { z } from 'zod';
import { API_SCOPES, type ApiScope } from './api-access.js';
import type { ZodPackage } from './deferred-packages.js';
import { BatonError, ErrorCode } from './errors.js';

/**
 * Roles of the workspace registry (`roles:` in baton.yaml): a name that stands for what its
 * holders may do (scopes) and who they are (members). A role is how an operator says "the
 * governors approve, the agents perform" once, instead of on every token and every gate.
 */

/** The schemas of a role and its name, for the workspace registry's (workspace-registry.ts), built on first use. */
export function buildRoleSchemas(z: ZodPackage['z']) {
  const RoleName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a role name is letters, digits, _, . and -');

  const Role = z.strictObject({
    /** What a token or MCP session given this role may do (`baton token create --role`, `baton mcp --role`). */
    scopes: z
      .array(
        z.enum(API_SCOPES, {
          error: (issue) => `unknown scope ${JSON.stringify(issue.input)}; a scope is one of ${API_SCOPES.join(', ')}`,
        }),
      )
      .min(1, 'a role has at least one scope')
      .optional(),
    /** The principals who hold the role, as the ledger names them (`alice`, `token:ci`, `mcp:reviewer`). */
    members: z.array(z.string().trim().min(1, 'a member is a principal name, not empty')).optional(),
    /** The text injected, verbatim, into every handoff to this role. */
    constraints: z
      .string()
      .refine((text) => text.trim() !== '', 'constraints are empty; give the text injected for the role')
      .refine((text) => text.length <= 10_000, 'constraints are at most 10000 characters')
      .optional(),
  });
  return { RoleName, Role };
}

export type Role = z.infer<ReturnType<typeof buildRoleSchemas>['Role']>;

export type Roles = Readonly<Record<string, Role>>;

/**
 * What the three roles every workspace has may do when its registry does not say otherwise: a
 * governor decides (gates, confirmations, escalations), an operator runs plans, an agent does a
 * person's task. None includes `admin`: running plans that declare commands stays an admin's.
 */
export const DEFAULT_ROLE_SCOPES: Readonly<Record<string, readonly ApiScope[]>> = {
  governor: ['read', 'approve'],
  operator: ['read', 'operate'],
  agent: ['read', 'perform'],
};

function declared(roles: Roles | undefined, name: string): Role | undefined {
  return roles !== undefined && Object.hasOwn(roles, name) ? roles[name] : undefined;
}

function knownRoles(roles: Roles | undefined): string {
  return [...new Set([...Object.keys(DEFAULT_ROLE_SCOPES), ...Object.keys(roles ?? {})])].join(', ');
}

/**
 * The scopes a role grants: the registry's `scopes` for it, else the default of `governor`,
 * `operator` or `agent`. Throws BatonError(badInput) for a role that is neither declared nor a
 * default, or declared without scopes, naming the roles there are.
 * @example roleScopes(undefined, 'governor') // ['read', 'approve']
 */
export function roleScopes(roles: Roles | undefined, name: string): ApiScope[] {
  const scopes = declared(roles, name)?.scopes ?? DEFAULT_ROLE_SCOPES[name];
  if (scopes !== undefined) return API_SCOPES.filter((scope) => scopes.includes(scope));
  throw new BatonError(
    ErrorCode.badInput,
    declared(roles, name) === undefined
      ? `"${name}" is not a role of this workspace (roles: ${knownRoles(roles)}); declare it under roles: in the workspace registry`
      : `role "${name}" declares no scopes; give it scopes: [...] in the workspace registry`,
  );
}

/**
 * The members of each role named, as the registry declares them now. A run pins this at
 * creation (`run.created` `roles`), so its gates count the members it was admitted with.
 * @example roleMembers({ governor: { members: ['alice'] } }, ['governor']) // { governor: ['alice'] }
 */
export function roleMembers(roles: Roles | undefined, names: Iterable<string>): Record<string, string[]> {
  const members: Record<string, string[]> = {};
  for (const name of names) members[name] = [...(declared(roles, name)?.members ?? [])];
  return members;
}
