import type { CapabilityKindPlugin } from './kind.js';

/**
 * A step's sub-plan, run as a child run. A plan cannot declare one under `capabilities`: the
 * registry describes each `plan:` step as `plan:STEP`, and the engine, which owns the store the
 * child run is written to, makes its runner (engine/sub-plan-runner.ts).
 */
export const planKind: CapabilityKindPlugin<'plan'> = { name: 'plan' };
