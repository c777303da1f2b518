import { z } from 'zod';
import { API_SCOPES, type ApiScope } from './api-access.js';
import { BatonError, ErrorCode } from './errors.js';

/**
 * Roles of the workspace registry (`baton.yaml` `roles:`): who is in one (`members`, principal
 * names as the ledger records them), what a token or MCP session given the role may do
 * (`scopes`), and the text injected into a handoff to it (`constraints`). Three roles exist
 * without being declared, with the scopes their names promise and no members; a declared role
 * of the same name replaces the built-in one, keeping its scopes unless it declares its own.
 */

export const RoleName = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a role name is letters, digits, _, . and -');

const ApiScopeName = z.string().refine((scope) => (API_SCOPES as readonly string[]).includes(scope), {
  error: (issue) => `unknown scope "${String(issue.input)}"; the scopes are ${API_SCOPES.join(', ')}`,
});

export const RoleDeclaration = z.strictObject({
  /** The API scopes a token or MCP session created `--role` this role gets. */
  scopes: z.array(ApiScopeName).min(1, 'a role has at least one scope').optional(),
  /** The principals in the role (`alice`, `api:ci`), as a gate's `approval: { role }` counts them. */
  members: z.array(z.string().min(1, 'a member is a non-empty principal name')).optional(),
  /** Injected verbatim into every handoff to the role (and recorded with it). */
  constraints: z
    .string()
    .refine((text) => text.trim() !== '', 'constraints are empty; give the text injected for the role')
    .refine((text) => text.length <= 10_000, 'constraints are at most 10000 characters')
    .optional(),
});

export type RoleDeclaration = z.infer<typeof RoleDeclaration>;

/** A role as every rule reads it: its scopes and members always there. */
export interface Role {
  name: string;
  scopes: ApiScope[];
  members: string[];
  constraints?: string;
}

/** The roles every workspace has unless its registry declares one of the same name. */
export const BUILT_IN_ROLES: Readonly<Record<string, readonly ApiScope[]>> = {
  governor: ['read', 'approve'],
  operator: ['read', 'operate'],
  agent: ['read', 'perform'],
};

/**
 * Every role of a workspace: the built-in ones, then the declared ones (which replace a
 * built-in one of the same name, keeping its scopes unless they declare their own). Any other
 * declared role without `scopes` may only read.
 * @example
 * workspaceRoles({ governor: { members: ['alice'] } }).governor // { name: 'governor', scopes: ['read'], members: ['alice'] }
 * workspaceRoles(undefined).operator.scopes // ['read', 'operate']
 */
export function workspaceRoles(declared: Readonly<Record<string, RoleDeclaration>> | undefined): Record<string, Role> {
  const roles: Record<string, Role> = {};
  for (const [name, scopes] of Object.entries(BUILT_IN_ROLES)) roles[name] = { name, scopes: [...scopes], members: [] };
  for (const [name, role] of Object.entries(declared ?? {}))
    roles[name] = {
      name,
      scopes: [...((role.scopes as ApiScope[] | undefined) ?? BUILT_IN_ROLES[name] ?? ['read'])],
      members: [...(role.members ?? [])],
      ...(role.constraints !== undefined && { constraints: role.constraints }),
    };
  return roles;
}

/**
 * The role a token or MCP session is created `--role` with, from the workspace's roles;
 * BatonError(badInput) naming the roles there are for one that is not among them.
 * @example roleNamed(workspaceRoles(undefined), 'governor').scopes // ['read', 'approve']
 */
export function roleNamed(roles: Readonly<Record<string, Role>>, name: string): Role {
  const role = Object.hasOwn(roles, name) ? roles[name] : undefined;
  if (role === undefined)
    throw new BatonError(
      ErrorCode.badInput,
      `role "${name}" is neither built in nor declared in the workspace registry's roles:; the roles are ${Object.keys(roles).join(', ')}`,
    );
  return role;
}
