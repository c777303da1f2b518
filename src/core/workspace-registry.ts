import type { z } from 'zod';
import { builtOnFirstUse, type ZodPackage } from './deferred-packages.js';
import { PlanError, type PlanIssue } from './errors.js';
import { locateAll, readYamlDocument, zodIssuesToPlanIssues } from './plan/parse.js';
import { planSchemas, type CapabilityKind, type Plan } from './plan/schema.js';
import { buildProviderLimitSchemas, limitIssues, type ProviderLimits } from './provider-limits.js';
import { buildRoleSchemas } from './roles.js';

/**
 * The workspace registry (`baton.yaml`): the capabilities an operator declares once for every
 * plan of the workspace, what a plan may still declare itself, and the provider limits every
 * run in the store shares (`limits:`, core/provider-limits.ts).
 */
function buildWorkspaceRegistrySchema({ z }: ZodPackage) {
  const { CapabilityId, CapabilityKind, PlanCapability } = planSchemas();
  const { ProviderLimits } = buildProviderLimitSchemas(z);
  const { Role, RoleName } = buildRoleSchemas(z);
  return z
    .strictObject({
      baton: z.literal(1, 'the registry language version; this Baton reads `baton: 1`').optional(),
      capabilities: z.record(CapabilityId, PlanCapability).optional(),
      plans: z
        .strictObject({
          /** The kinds a plan may declare capabilities of; absent: any kind. `[]`: none. */
          may_declare: z.array(CapabilityKind),
        })
        .optional(),
      /** Per limit key (a provider, or a capability's `limit:`): calls in flight, requests and tokens per minute. */
      limits: ProviderLimits.optional(),
      /**
       * The workspace's roles: what a principal acting as one may do (`scopes`, for `baton token
       * create --role` and `baton mcp --role`), who holds it (`members`, the principals a gate's
       * `approval: { role }` or `override: { approval_by: ROLE }` counts), and the text injected,
       * verbatim, into every handoff to it (`constraints`, recorded with the handoff). `governor`,
       * `operator` and `agent` have default scopes (core/roles.ts) and no members unless declared.
       */
      roles: z.record(RoleName, Role).optional(),
    })
    .superRefine((registry, context) => {
      if (registry.limits === undefined) return;
      for (const issue of limitIssues(registry.limits, registry.capabilities ?? {}))
        context.addIssue({ code: 'custom', ...issue });
    });
}

/** The workspace registry's zod schema, built on the first call. */
export const workspaceRegistrySchema = builtOnFirstUse(buildWorkspaceRegistrySchema);

export type WorkspaceRegistry = z.infer<ReturnType<typeof workspaceRegistrySchema>>;

/**
 * What a plan declares that the workspace registry forbids: a capability of a kind not in
 * `plans.may_declare`, or one whose id the registry declares already (a plan must not swap
 * the operator's capability for its own code under the same name). Empty: the plan may run.
 * @example
 * workspaceRegistryIssues(plan, { plans: { may_declare: ['llm'] } }) // [{ path: ['capabilities','build','kind'], ... }]
 */
export function workspaceRegistryIssues(plan: Plan, registry: WorkspaceRegistry): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const allowed = registry.plans?.may_declare;
  for (const [id, capability] of Object.entries(plan.capabilities ?? {})) {
    if (registry.capabilities !== undefined && Object.hasOwn(registry.capabilities, id))
      issues.push({
        path: ['capabilities', id],
        message: `capability "${id}" is declared by the workspace registry; a plan may use it but not redefine it: remove it from the plan, or give the plan's capability another id`,
      });
    else if (allowed !== undefined && !allowed.includes(capability.kind))
      issues.push({
        path: ['capabilities', id, 'kind'],
        message: `the workspace registry lets plans declare capabilities of kind ${allowed.length === 0 ? '(none)' : allowed.join(', ')}, not ${capability.kind}: use a capability of the registry, or have the operator add one`,
      });
  }
  return issues;
}

/**
 * The plan a run records: the plan's own capabilities beside the registry's, so workers,
 * resume, replay and revisions run from the ledger and never re-read a registry file that may
 * have changed since. Without registry capabilities the plan is returned as it is (its hash,
 * and so every existing ledger, unchanged).
 * @example
 * withRegistryCapabilities(plan, registry).capabilities // { ...registry.capabilities, ...plan.capabilities }
 */
export function withRegistryCapabilities(plan: Plan, registry: WorkspaceRegistry): Plan {
  const shared = registry.capabilities ?? {};
  if (Object.keys(shared).length === 0) return plan;
  return { ...plan, capabilities: { ...shared, ...plan.capabilities } };
}

/**
 * Parses a workspace registry from YAML or JSON text. Pure: the caller reads the file (and
 * anchors relative paths to its directory). Throws PlanError with file:line:col.
 * @example
 * parseWorkspaceRegistry('capabilities:\n  build: {kind: command, skills: {build: 1}, command: [make]}\n', 'baton.yaml')
 */
export function parseWorkspaceRegistry(text: string, file: string): WorkspaceRegistry {
  const { data, source } = readYamlDocument(text, file);
  // An empty file is an empty registry, as a file that says nothing yet.
  const parsed = workspaceRegistrySchema().safeParse(data ?? {});
  if (!parsed.success) throw new PlanError(locateAll(zodIssuesToPlanIssues(parsed.error.issues, data), source));
  return parsed.data;
}

/** What `run.created` records of the workspace registry a run was admitted under. */
export interface RecordedRegistry {
  registryHash: string;
  registryCapabilities: string[];
  mayDeclare?: CapabilityKind[];
  limits?: ProviderLimits;
  /** The members of the roles the plan's gates name (core/governance/gate-roles.ts). */
  roles?: Record<string, string[]>;
}

/**
 * The record of a registry for `run.created`: its hash, the ids its capabilities have in the
 * recorded plan, and its policy, so a revision is checked as the run was without the file.
 * @example
 * const created = { plan, planHash, inputs, registry, ...recordRegistry(hash, workspace) };
 */
export function recordRegistry(hash: string, registry: WorkspaceRegistry): RecordedRegistry {
  return {
    registryHash: hash,
    registryCapabilities: Object.keys(registry.capabilities ?? {}),
    ...(registry.plans && { mayDeclare: registry.plans.may_declare }),
    ...(registry.limits && { limits: registry.limits }),
  };
}

/**
 * The workspace registry a run was admitted under, rebuilt from its `run.created` (the
 * capabilities from the recorded plan); undefined for a run admitted without one.
 * @example
 * const workspace = recordedRegistry(created.data); // revise against it, not against baton.yaml now
 */
export function recordedRegistry(created: { plan: Plan } & Partial<RecordedRegistry>): WorkspaceRegistry | undefined {
  if (created.registryHash === undefined) return undefined;
  const declared = created.plan.capabilities ?? {};
  const capabilities = Object.fromEntries(
    (created.registryCapabilities ?? []).flatMap((id) => (declared[id] ? [[id, declared[id]]] : [])),
  );
  return {
    capabilities,
    ...(created.mayDeclare && { plans: { may_declare: created.mayDeclare } }),
    ...(created.limits && { limits: created.limits }),
  };
}

/**
 * The plan as its author declared it: without the registry capabilities a run recorded in it.
 * The plan-scope rule judges this, not the recorded plan (the operator owns the registry).
 * @example
 * requirePlanScope(declaredPlan(recorded, workspace), scopes, who, 'revert to');
 */
export function declaredPlan(plan: Plan, registry: WorkspaceRegistry | undefined): Plan {
  const shared = registry?.capabilities ?? {};
  if (!plan.capabilities || Object.keys(shared).length === 0) return plan;
  const own = Object.entries(plan.capabilities).filter(([id]) => !Object.hasOwn(shared, id));
  if (own.length === 0) {
    const { capabilities: _dropped, ...rest } = plan;
    return rest;
  }
  return { ...plan, capabilities: Object.fromEntries(own) };
}
