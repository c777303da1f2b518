import {
  buildRegistry,
  locateAll,
  PlanError,
  readYamlDocument,
  withRegistryCapabilities,
  workspaceRegistryIssues,
  type CapabilityDescriptor,
  type Plan,
  type Registry,
  type WorkspaceRegistry,
} from '../core/index.js';

/**
 * The registry a plan is validated and routed against: the workspace registry's capabilities,
 * the plan's own, and those registered in code. Without a workspace registry, exactly the plan's
 * and the registered ones.
 * @example
 * const plan = await readPlanFile(file, registryWith(workspace, registered));
 */
export function registryWith(
  workspace: WorkspaceRegistry | undefined,
  registered: readonly CapabilityDescriptor[],
): (plan: Plan) => Registry {
  return (plan) => buildRegistry(workspace ? withRegistryCapabilities(plan, workspace) : plan, registered);
}

/**
 * Refuses a plan that declares what the workspace registry forbids (a kind outside
 * `plans.may_declare`, or a redefinition of a registry id), naming `file` in each issue, and
 * its line and column when the plan's `text` is given.
 * @example
 * refuseRegistryBreaches(plan, workspace, { file: 'plan.yaml', text }); // PlanError at plan.yaml:5:11 capabilities.build.kind
 */
export function refuseRegistryBreaches(
  plan: Plan,
  workspace: WorkspaceRegistry | undefined,
  where: { file?: string | undefined; text?: string } = {},
): void {
  if (!workspace) return;
  const issues = workspaceRegistryIssues(plan, workspace);
  if (issues.length === 0) return;
  const { file, text } = where;
  if (text !== undefined) throw new PlanError(locateAll(issues, readYamlDocument(text, file).source));
  throw new PlanError(issues.map((issue) => ({ ...issue, ...(file !== undefined && { file }) })));
}
