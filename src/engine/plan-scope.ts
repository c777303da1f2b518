import { awaitsPerson, BatonError, childPlanOf, ErrorCode, type ApiScope, type Plan } from '../core/index.js';
import { allows } from './api-tokens.js';
import { listStepEntries } from '../core/index.js';

/** What a caller does with a plan: start a run with it, or make it a run's new revision. */
export type PlanAction = 'submit' | 'revise' | 'revert to';

/**
 * The capabilities a plan declares that run code on the server's machine, as `id (kind)`, its
 * sub-plans' included.
 * Function capabilities never appear: a plan cannot declare them, the server registers them.
 * Only a kind a person performs runs nothing here; every machine kind counts (today `command`,
 * which runs a program as the server's user), and so does a kind this version does not know:
 * a new kind fails closed.
 */
export function hostCapabilities(plan: Plan): string[] {
  const own = Object.entries(plan.capabilities ?? {})
    .filter(([, capability]) => !awaitsPerson(capability))
    .map(([id, capability]) => `${id} (${capability.kind})`);
  // A sub-plan's child run is admitted by the engine, not by the caller: its capabilities count as the parent's.
  const children = listStepEntries(plan.steps).flatMap(([id, step]) => {
    const child = childPlanOf(step);
    return child === null ? [] : hostCapabilities(child).map((capability) => `${capability} in the sub-plan of ${id}`);
  });
  return [...own, ...children];
}

/**
 * The scope needed to submit a plan or make it a run's revision: `admin` when it declares a
 * capability that runs code on the server's machine (whoever may do that may do anything the
 * server's user can, so no lesser scope may), otherwise `operate`.
 */
export function scopeForPlan(plan: Plan): 'operate' | 'admin' {
  return hostCapabilities(plan).length > 0 ? 'admin' : 'operate';
}

/**
 * The one rule for every surface (HTTP routes, MCP over HTTP and over stdio): refuses a plan
 * whose declared capabilities need a scope the caller lacks, with a `forbidden` error that
 * names them. Call it before anything is written.
 * @example
 * requirePlanScope(plan, principal.scopes, principal.by, 'submit'); // throws for a command plan and read,operate
 */
export function requirePlanScope(plan: Plan, granted: readonly ApiScope[], who: string, action: PlanAction): void {
  const needed = scopeForPlan(plan);
  if (allows(granted, needed)) return;
  const has = `${who} has ${granted.length === 0 ? 'no scope' : granted.join(', ')}`;
  if (needed === 'operate')
    throw new BatonError(ErrorCode.forbidden, `to ${action} plan "${plan.name}" needs the operate scope; ${has}`);
  throw new BatonError(
    ErrorCode.forbidden,
    `plan "${plan.name}" declares capabilities that act as the server's user, on its machine and network (${hostCapabilities(plan).join(', ')}): to ${action} it needs the admin scope; ${has}. Have an admin do it, or route its steps to capabilities the server registers`,
  );
}
