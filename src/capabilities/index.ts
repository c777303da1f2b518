export { commandRunner, killRunningCommands } from './command/command-capability.js';
export {
  functionRunner,
  NonRetryableError,
  type FunctionCapability,
  type FunctionContext,
} from './function/function-capability.js';
export { AbortReason, CapabilityFailure, type AttemptFiles, type CapabilityRunner, type Invocation } from './types.js';
