import {
  buildRegistry,
  checkPlan,
  formatIssue,
  infrastructureIssues,
  PlanError,
  preflight,
  withRegistryCapabilities,
  workspaceRegistryIssues,
  type Plan,
  type PlanIssue,
  type PreflightReport,
  type SkillReadiness,
  type WorkspaceRegistry,
} from '../../core/index.js';

/** What Baton made of one drafted plan: the plan when it is valid, its pre-flight, and every issue found. */
export interface DraftVerdict {
  plan?: Plan;
  preflight?: PreflightReport;
  issues: string[];
}

/**
 * A drafted plan never declares a program to execute, whatever the registry allows. Read from
 * the answer as it is, so that it is said even when the rest of the plan does not parse.
 */
function commandIssues(data: unknown): PlanIssue[] {
  const declared =
    typeof data === 'object' && data !== null ? (data as { capabilities?: unknown }).capabilities : undefined;
  if (typeof declared !== 'object' || declared === null) return [];
  return Object.entries(declared).flatMap(([id, capability]) =>
    typeof capability === 'object' && capability !== null && (capability as { kind?: unknown }).kind === 'command'
      ? [
          {
            path: ['capabilities', id, 'kind'],
            message: `a drafted plan declares no capability of kind command: use a capability of the registry (by skill), or leave the step out`,
          },
        ]
      : [],
  );
}

/**
 * Everything Baton holds a drafted plan to before it is shown: the plan language (schema,
 * references, cycles, expressions), the registry's policy (`plans.may_declare`, no redefined
 * id, never a `command`), the pre-flight against the registry (every step routable, budget
 * and deadline plausible), and with a design's readiness, its infrastructure phase. The
 * operator's `constraints` replace the plan's own before any of it, so a model cannot loosen them.
 * @example
 * const { plan, issues } = draftIssues(answer.plan, workspace.registry);
 */
export function draftIssues(
  data: unknown,
  registry: WorkspaceRegistry,
  options: { constraints?: NonNullable<Plan['constraints']>; readiness?: SkillReadiness } = {},
): DraftVerdict {
  const imposed =
    options.constraints !== undefined && typeof data === 'object' && data !== null && !Array.isArray(data)
      ? {
          ...data,
          constraints: { ...(data as { constraints?: object }).constraints, ...options.constraints },
        }
      : data;
  const commands = commandIssues(data);
  let plan: Plan;
  try {
    plan = checkPlan(imposed, (written) => buildRegistry(withRegistryCapabilities(written, registry)));
  } catch (error) {
    if (error instanceof PlanError) return { issues: [...error.issues, ...commands].map(formatIssue) };
    throw error;
  }
  const policy = [...commands, ...workspaceRegistryIssues(plan, registry)];
  const infrastructure = options.readiness === undefined ? [] : infrastructureIssues(plan, options.readiness);
  const withRegistry = withRegistryCapabilities(plan, registry);
  const report = preflight(withRegistry, buildRegistry(withRegistry));
  const issues = [
    ...[...policy, ...infrastructure].map(formatIssue),
    ...report.problems.map((problem) => `pre-flight: ${problem}`),
  ];
  return { plan, preflight: report, issues };
}
