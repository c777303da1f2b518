import { roleScopes, type ApiScope, type Roles } from '../core/index.js';
import { badInput } from './context.js';

/**
 * The scopes a command grants (`baton mcp`, `baton token create`): those of `--role`, looked up
 * in the workspace registry's roles (or the defaults of governor, operator and agent), or the
 * `--scope` list. Both at once is a mistake: which one would hold?
 * @example scopesOf({ role: 'governor', scopeGiven: false, scope: 'read' }, undefined, parseScopes) // ['read', 'approve']
 */
export function scopesOf(
  options: { role?: string | undefined; scope?: string | undefined; scopeGiven: boolean },
  roles: Roles | undefined,
  parseScopes: (text: string) => ApiScope[],
): ApiScope[] {
  if (options.role === undefined) {
    if (options.scope === undefined) throw badInput('say what it may do: --scope read,operate (a list) or --role ROLE');
    return parseScopes(options.scope);
  }
  if (options.scopeGiven)
    throw badInput("--role and --scope both say what it may do; give one of them (--role takes the role's scopes)");
  return roleScopes(roles, options.role);
}
