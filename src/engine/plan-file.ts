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
  type WorkspaceRegistry,
} from '../core/index.js';
import { preflightInPlanDirectory } from '../capabilities/index.js';
import { refuseRegistryBreaches, registryWith } from './workspace-plan.js';

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
  return anchorToPlanDirectory(plan, file);
}

function anchorToPlanDirectory(plan: Plan, file: string): Plan {
  const planDirectory = dirname(resolve(file));
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
