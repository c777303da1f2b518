import type { CapabilityKindPlugin } from '../kind.js';
import { agentRunner } from './agent-capability.js';

/** A model in a tool loop over MCP servers: any worker can run it from the plan, like `llm`. */
export const agentKind: CapabilityKindPlugin<'agent'> = {
  name: 'agent',
  runner: (id, config, plan) => agentRunner(id, config, plan.inputs),
};
