import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  BatonError,
  decodePlanBytes,
  ErrorCode,
  parsePlan,
  PlanError,
  type CapabilityDescriptor,
  type Plan,
  type PlanIssue,
  type Registry,
  type Step,
  type WorkspaceRegistry,
  childPlanOf,
  SUB_PLAN_MAX_DEPTH,
} from '../core/index.js';
import { preflightInPlanDirectory } from '../capabilities/index.js';
import { refuseRegistryBreaches, registryWith } from './workspace-plan.js';
import { listStepEntries } from '../core/index.js';

/**
 * Reads and validates a plan file (YAML or JSON) against the plan's own capabilities and
 * those registered in code. Opens no store: a bad plan is refused before the workspace is
 * touched. Throws PlanError with file:line:col.
 *
 * Relative paths in a plan file mean the plan file's directory, not wherever `baton` was
 * started: each capability's kind resolves its config against that directory in its
 * pre-flight (a command's `cwd` becomes absolute), so `[node, scripts/work.mjs]` next to the
 * plan runs from anywhere.
 *
 * With a workspace registry, the plan may use its capabilities and is held to its policy; the
 * plan is returned as written (without them).
 */
export async function loadPlanFile(
  file: string,
  registered: readonly CapabilityDescriptor[] = [],
  workspace?: WorkspaceRegistry,
): Promise<Plan> {
  return readPlanFile(file, registryWith(workspace, registered), workspace);
}

/**
 * `loadPlanFile` with the registry the plan is validated against built by the caller (who keeps
 * it); with `workspace`, the plan is also held to the workspace registry's policy.
 */
export async function readPlanFile(
  file: string,
  registry: (plan: Plan) => Registry,
  workspace?: WorkspaceRegistry,
  within: SubPlanTrail = { files: [], depth: 1 },
): Promise<Plan> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new BatonError(ErrorCode.badInput, `cannot read plan file ${file}: ${why}`);
  }
  const text = decodePlanBytes(bytes, file);
  const plan = parsePlan(text, { file, registry });
  refuseRegistryBreaches(plan, workspace, { file, text });
  const anchored = anchorToPlanDirectory(plan, file);
  return readSubPlans(anchored, {
    directory: dirname(resolve(file)),
    file,
    registry,
    ...(workspace && { workspace }),
    trail: { files: [...within.files, resolve(file)], depth: within.depth },
  });
}

/** The plan files a sub-plan is read within (to refuse a cycle), and how deep it nests. */
export interface SubPlanTrail {
  files: readonly string[];
  depth: number;
}

/**
 * The plan with every sub-plan inline: `plan: ./team.yaml` read (relative to `directory`, the
 * plan file's) and validated as a plan file of its own, and inline ones walked for theirs; each
 * is held to the workspace registry's policy and gets its capabilities when its child run is
 * admitted, as any plan. What the run records, so its ledger holds every child plan and replay
 * never reads a file. Refuses (PlanError at `steps.<id>.plan`) a file reference in a plan given
 * as text or data (`directory` null: an API caller must not make the engine read its files), a
 * file that cannot be read, a cycle of plan files (a plan running itself included) and nesting
 * deeper than SUB_PLAN_MAX_DEPTH.
 * @example
 * const plan = await readSubPlans(written, { directory: null, registry, trail: { files: [], depth: 1 } });
 */
export async function readSubPlans(
  plan: Plan,
  options: {
    /** Where file references are relative to; null for a plan given as text or data, which may not name files. */
    directory: string | null;
    file?: string;
    registry: (plan: Plan) => Registry;
    workspace?: WorkspaceRegistry;
    trail: SubPlanTrail;
  },
): Promise<Plan> {
  const { directory, workspace, trail } = options;
  let steps: Plan['steps'] | undefined;
  for (const [id, step] of listStepEntries(plan.steps)) {
    if (step.plan === undefined) continue;
    const where = { path: ['steps', id, 'plan'], ...(options.file !== undefined && { file: options.file }) };
    if (trail.depth >= SUB_PLAN_MAX_DEPTH)
      throw new PlanError([
        { ...where, message: `sub-plans nest at most ${SUB_PLAN_MAX_DEPTH} deep (a plan, its sub-plans, theirs, ...)` },
      ]);
    let child: Plan;
    if (typeof step.plan === 'string') {
      if (directory === null)
        throw new PlanError([
          {
            ...where,
            message: `sub-plan "${step.plan}" names a file, and this plan was given as text or data, not read from a file: write the sub-plan inline (plan: { baton: 1, ... }); only a plan file's sub-plans are read from files`,
          },
        ]);
      child = await readSubPlanFile(step.plan, resolve(directory, step.plan), where, options);
    } else {
      const inline = childPlanOf(step) as Plan;
      // Checked now as it will be when its child run is admitted, so the parent is refused instead.
      refuseRegistryBreaches(inline, workspace, options.file === undefined ? {} : { file: options.file });
      const anchored =
        options.file === undefined || directory === null ? inline : anchorCapabilities(inline, directory, options.file);
      child = await readSubPlans(anchored, { ...options, trail: { files: trail.files, depth: trail.depth + 1 } });
    }
    steps ??= { ...plan.steps };
    steps[id] = { ...step, plan: child as unknown as Step['plan'] & object };
  }
  return steps === undefined ? plan : { ...plan, steps };
}

/** One sub-plan file, read and validated as a plan file, unless it is one the plan runs within. */
async function readSubPlanFile(
  named: string,
  file: string,
  where: { path: (string | number)[]; file?: string },
  options: { registry: (plan: Plan) => Registry; workspace?: WorkspaceRegistry; trail: SubPlanTrail },
): Promise<Plan> {
  const { trail } = options;
  if (trail.files.includes(file))
    throw new PlanError([
      {
        ...where,
        message: `sub-plan "${named}" is a plan this one runs within (${[...trail.files, file].join(' -> ')}): a plan cannot run itself`,
      },
    ]);
  try {
    return await readPlanFile(file, options.registry, options.workspace, {
      files: trail.files,
      depth: trail.depth + 1,
    });
  } catch (error) {
    if (!(error instanceof BatonError) || error instanceof PlanError) throw error;
    throw new PlanError([{ ...where, message: `sub-plan "${named}": ${error.message}` }]);
  }
}

function anchorToPlanDirectory(plan: Plan, file: string): Plan {
  return anchorCapabilities(plan, dirname(resolve(file)), file);
}

/** The plan's capabilities with what their configs name resolved against `planDirectory` (each kind's pre-flight). */
function anchorCapabilities(plan: Plan, planDirectory: string, file: string): Plan {
  const issues: PlanIssue[] = [];
  const capabilities = Object.fromEntries(
    Object.entries(plan.capabilities ?? {}).map(([id, capability]) => {
      const checked = preflightInPlanDirectory(capability, planDirectory);
      for (const { path, message } of checked.issues)
        issues.push({ path: ['capabilities', id, ...path], file, message });
      return [id, checked.config];
    }),
  );
  if (issues.length > 0) throw new PlanError(issues);
  return plan.capabilities === undefined ? plan : { ...plan, capabilities };
}
