import { readFile } from 'node:fs/promises';
import { BatonError, buildRegistry, ErrorCode, parsePlan, type CapabilityDescriptor, type Plan } from '../core/index.js';

/**
 * Reads and validates a plan file (YAML or JSON) against the plan's own capabilities and
 * those registered in code. Opens no store: a bad plan is refused before the workspace is
 * touched. Throws PlanError with file:line:col.
 */
export async function loadPlanFile(file: string, registered: readonly CapabilityDescriptor[] = []): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new BatonError(ErrorCode.badInput, `cannot read plan file ${file}: ${why}`);
  }
  return parsePlan(text, { file, registry: (plan) => buildRegistry(plan, registered) });
}
