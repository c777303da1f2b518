import {
  checkPlan,
  gateRoleIssues,
  pinnedRoles,
  PlanError,
  stepToolIssues,
  parsePlan,
  preflight,
  resolveInputs,
  type CapabilityDescriptor,
  type Json,
  type JsonObject,
  type Plan,
  type PreflightReport,
  type RecordedRegistry,
  recordRegistry,
  type Registry,
  withRegistryCapabilities,
} from '../core/index.js';
import { checkCapabilities } from '../capabilities/index.js';
import { hashPlan } from '../ledger/index.js';
import { readPlanFile, readSubPlans } from './plan-file.js';
import { refuseUnfitPlan } from './refuse-unfit.js';
import type { LoadedRegistry } from './registry-file.js';
import { refuseRegistryBreaches, registryWith } from './workspace-plan.js';

/**
 * Where a plan comes from. A path and a plan's text are both strings, and were once told apart
 * only by which function received them (`submit('x.yaml')` read a file, `parsePlan('x')` parsed
 * text); here each says what it is, so neither is taken for the other.
 * @example admit({ file: 'plan.yaml' }, {}, []) // reads plan.yaml
 * @example admit({ text: 'baton: 1\n...', name: 'request' }, {}, [])
 */
export type PlanSource =
  | { file: string }
  | { text: string; /** Names the text in errors (`name:line:col`); default `plan`. */ name?: string }
  | { data: unknown };

/** How a surface admits a plan for someone. */
export interface AdmitOptions {
  /**
   * Throws when the caller may not submit this plan (`requirePlanScope`). Called once the plan
   * is valid and before its capabilities are checked live, which may start a server program:
   * a caller who may not run programs on this machine must not get one started by pre-flight.
   */
  authorize?: (plan: Plan) => void;
  /**
   * The workspace registry (`baton.yaml`): its capabilities join the plan's, its policy limits
   * what the plan may declare. `authorize` sees the plan as written, so a plan that only uses
   * the registry's capabilities needs no more than a plan without any.
   */
  workspace?: LoadedRegistry;
}

/** The inputs given for a run: typed values (library, API), or text to read by the declared types (CLI). */
export interface GivenInputs {
  inputs?: Record<string, Json>;
  inputText?: Record<string, string>;
}

const admitted = Symbol('admitted');

/**
 * A plan admitted for a run: validated, its registry built, its inputs resolved and its
 * pre-flight done, each once, by `admit`. Whatever holds one starts the run from it without
 * checking again; only `admit` makes one, so none is unchecked.
 */
export interface AdmittedRun {
  readonly [admitted]: true;
  readonly plan: Plan;
  readonly planHash: string;
  readonly registry: Registry;
  /** What `run.created` records of the workspace registry the plan was admitted under, when there was one. */
  readonly registryRecord?: RecordedRegistry;
  readonly inputs: JsonObject;
  /** What the run would do, and its problems: a run is not started while there are any (`refuseUnfit`). */
  readonly preflight: PreflightReport;
}

/**
 * Validates a plan and the inputs given for it against the plan's capabilities and those
 * `registered` in code, and runs the pre-flight: everything that can refuse a run before the
 * store is touched, done once for every surface (`baton run`, `Baton.submit`, HTTP, MCP).
 * Then each capability whose kind can is checked against the world (an MCP server is asked
 * whether it offers the tool), after `options.authorize` let the caller submit the plan.
 * Throws PlanError (also for what the live checks found) or InputError; a plan with pre-flight
 * problems is admitted with them in its report (a dry run shows them), and `refuseUnfit` refuses it.
 * @example
 * const run = await admit({ file: 'deploy.yaml' }, { inputText: { env: 'prod' } }, []);
 * refuseUnfit(run); // throws when pre-flight found problems
 */
export async function admit(
  source: PlanSource | Plan,
  given: GivenInputs,
  registered: readonly CapabilityDescriptor[],
  options: AdmitOptions = {},
): Promise<AdmittedRun> {
  const { workspace } = options;
  let registry: Registry | undefined;
  // Validation needs the registry; it is built here, once, and kept for the run.
  const withWorkspace = registryWith(workspace?.registry, registered);
  const registryOf = (plan: Plan): Registry => (registry = withWorkspace(plan));
  const read =
    'file' in source
      ? await readPlanFile(source.file, registryOf, workspace?.registry)
      : 'text' in source
        ? parsePlan(source.text, { file: source.name ?? 'plan', registry: registryOf })
        : checkPlan('data' in source ? source.data : source, registryOf);
  if (!('file' in source))
    refuseRegistryBreaches(
      read,
      workspace?.registry,
      'text' in source ? { ...planFileOf(source), text: source.text } : {},
    );
  // A plan file's sub-plans were read with it; a plan given as text or data may only write them inline.
  const written =
    'file' in source
      ? read
      : await readSubPlans(read, {
          directory: null,
          ...planFileOf(source),
          registry: withWorkspace,
          ...(workspace && { workspace: workspace.registry }),
          trail: { files: [], depth: 1 },
        });
  // Validating sub-plans built their registries; the run's is built from the plan as it will be recorded.
  registry = withWorkspace(written);
  // The run records the registry's capabilities in its plan: workers, resume and replay run
  // from the ledger, never from a registry file that may have changed since.
  const plan = workspace ? withRegistryCapabilities(written, workspace.registry) : written;
  const inputs = resolveInputs(
    plan,
    { ...given.inputs, ...given.inputText },
    { fromText: given.inputText !== undefined },
  );
  const runRegistry = registry ?? withWorkspace(written);
  options.authorize?.(written);
  // A step's tools are checked against its agents again once the registry's are in the plan:
  // validating the plan as written could not see their tools.
  const toolIssues = workspace ? stepToolIssues(plan, runRegistry) : [];
  if (toolIssues.length > 0) throw new PlanError(toolIssues.map((issue) => ({ ...issue, ...planFileOf(source) })));
  const roleIssues = gateRoleIssues(plan, workspace?.registry.roles);
  if (roleIssues.length > 0) throw new PlanError(roleIssues.map((issue) => ({ ...issue, ...planFileOf(source) })));
  const roles = pinnedRoles(plan, workspace?.registry.roles);
  const issues = await checkCapabilities(plan);
  if (issues.length > 0) throw new PlanError(issues.map((issue) => ({ ...issue, ...planFileOf(source) })));
  return {
    [admitted]: true,
    plan,
    planHash: hashPlan(plan),
    registry: runRegistry,
    ...(workspace && {
      registryRecord: { ...recordRegistry(workspace.hash, workspace.registry), ...(roles && { roles }) },
    }),
    inputs,
    preflight: preflight(plan, runRegistry),
  };
}

/** The file a plan came from, for issues found after it was read (they name it, without a line). */
function planFileOf(source: PlanSource | Plan): { file?: string } {
  return 'file' in source ? { file: source.file } : 'text' in source ? { file: source.name ?? 'plan' } : {};
}

/** Whether `value` came from `admit` (and so needs no checking again). */
export function isAdmitted(value: unknown): value is AdmittedRun {
  return typeof value === 'object' && value !== null && admitted in value;
}

/** Refuses an admitted run whose pre-flight found problems (fail closed), saying each. */
export function refuseUnfit(run: AdmittedRun): void {
  refuseUnfitPlan(run.plan, run.preflight);
}
