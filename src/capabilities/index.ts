export { commandRunner } from './command/command-capability.js';
export { killRunningCommands } from './command/live-groups.js';
export { httpRunner } from './http/http-capability.js';
export { requestSignature } from './http/http-signature.js';
export { CAPABILITY_KIND_PLUGINS, checkCapabilities, preflightInPlanDirectory, runnerFromPlan } from './kinds.js';
export type { CapabilityCheckContext, CapabilityKindPlugin } from './kind.js';
export {
  functionRunner,
  NonRetryableError,
  type FunctionCapability,
  type FunctionContext,
} from './function/function-capability.js';
export {
  AbortReason,
  CapabilityFailure,
  type AttemptFiles,
  type CapabilityRunner,
  type Invocation,
  type ProviderLimitGate,
} from './types.js';
