import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  BatonError,
  buildRegistry,
  decodePlanBytes,
  ErrorCode,
  parsePlan,
  PlanError,
  type CapabilityDescriptor,
  type Plan,
  type PlanIssue,
  type Registry,
} from '../core/index.js';

/**
 * Reads and validates a plan file (YAML or JSON) against the plan's own capabilities and
 * those registered in code. Opens no store: a bad plan is refused before the workspace is
 * touched. Throws PlanError with file:line:col.
 *
 * Relative paths in a plan file mean the plan file's directory, not wherever `baton` was
 * started: each command capability gets that directory (joined with its own `cwd`, if any)
 * as an absolute `cwd`, so `[node, scripts/work.mjs]` next to the plan runs from anywhere.
 */
export function loadPlanFile(file: string, registered: readonly CapabilityDescriptor[] = []): Promise<Plan> {
  return readPlanFile(file, (parsed) => buildRegistry(parsed, registered));
}

/** `loadPlanFile` with the registry the plan is validated against built by the caller (who keeps it). */
export async function readPlanFile(file: string, registry: (plan: Plan) => Registry): Promise<Plan> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new BatonError(ErrorCode.badInput, `cannot read plan file ${file}: ${why}`);
  }
  const plan = parsePlan(decodePlanBytes(bytes, file), { file, registry });
  return anchorToPlanDirectory(plan, file);
}

function anchorToPlanDirectory(plan: Plan, file: string): Plan {
  const planDirectory = dirname(resolve(file));
  const issues: PlanIssue[] = [];
  const capabilities = Object.fromEntries(
    Object.entries(plan.capabilities ?? {}).map(([id, capability]) => {
      if (capability.kind !== 'command') return [id, capability];
      const cwd = resolve(planDirectory, capability.cwd ?? '.');
      if (!isDirectory(cwd))
        issues.push({
          path: ['capabilities', id, 'cwd'],
          file,
          message: `no directory at ${cwd} (a relative cwd is relative to the plan file's directory)`,
        });
      return [id, { ...capability, cwd }];
    }),
  );
  if (issues.length > 0) throw new PlanError(issues);
  return plan.capabilities === undefined ? plan : { ...plan, capabilities };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
