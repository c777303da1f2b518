import type { CapabilityKindPlugin } from '../kind.js';
import { llmRunner } from './llm-capability.js';

/** A model through the Vercel AI SDK: any worker can run it from the plan (its key comes from the worker's environment). */
export const llmKind: CapabilityKindPlugin<'llm'> = {
  name: 'llm',
  runner: (id, config, plan) => llmRunner(id, config, plan.inputs),
};
