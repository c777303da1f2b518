import type { CapabilityKindPlugin } from '../kind.js';
import { httpRunner } from './http-capability.js';

/** An HTTP endpoint called with the step's input; made from the plan, so any worker can run it. */
export const httpKind: CapabilityKindPlugin<'http'> = {
  name: 'http',
  runner: (id, config, plan) => httpRunner(id, config, plan.inputs),
};
