import type { CapabilityKindPlugin } from '../kind.js';
import { lazyRunner, plannedDescriptor } from '../lazy-runner.js';

/**
 * A model through the Vercel AI SDK: any worker can run it from the plan (its key comes from the
 * worker's environment). The SDK loads at the first call (lazy-runner.ts).
 */
export const llmKind: CapabilityKindPlugin<'llm'> = {
  name: 'llm',
  runner: (id, config, plan) =>
    lazyRunner(plannedDescriptor(id, 'llm', config), async () =>
      (await import('./llm-capability.js')).llmRunner(id, config, plan.inputs),
    ),
};
