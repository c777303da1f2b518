import type { CapabilityDescriptor, Json } from '../../core/index.js';
import { durationToMs } from '../../core/index.js';
import { AbortReason, CapabilityFailure, type CapabilityRunner, type Invocation } from '../types.js';

export interface FunctionContext {
  runId: string;
  step: string;
  attemptId: string;
  idempotencyKey: string;
  /** Aborted on timeout or cancellation: stop work and return (or throw) promptly. */
  signal: AbortSignal;
}

/** A TypeScript function registered as a capability through the library API. */
export interface FunctionCapability<I = unknown, O = unknown> {
  id: string;
  skills: Record<string, number>;
  description?: string;
  /** Default attempt timeout, e.g. `30s`. */
  timeout?: string;
  run(input: I, context: FunctionContext): O | Promise<O>;
}

/** Throw this from a function to fail the attempt without a retry. */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = (): void => {
      const reason = signal.reason as AbortReason;
      reject(new CapabilityFailure({ type: reason === AbortReason.timeout ? 'timeout' : 'cancelled', message: reason === AbortReason.timeout ? 'timed out' : 'cancelled', retryable: reason === AbortReason.timeout }));
    };
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

export function functionRunner(capability: FunctionCapability): CapabilityRunner {
  const descriptor: CapabilityDescriptor = {
    id: capability.id,
    kind: 'function',
    skills: capability.skills,
    ...(capability.description !== undefined && { description: capability.description }),
    ...(capability.timeout !== undefined && { timeoutMs: durationToMs(capability.timeout) }),
  };
  return {
    descriptor,
    async invoke(invocation: Invocation): Promise<Json> {
      const { runId, step, attemptId, idempotencyKey, signal } = invocation;
      try {
        // A function that ignores its signal must not hold the attempt past a timeout or cancel.
        const output: unknown = await Promise.race([capability.run(invocation.input, { runId, step, attemptId, idempotencyKey, signal }), rejectOnAbort(signal)]);
        // Outputs go into the ledger as JSON: anything else is a capability bug, named as such.
        const json = output === undefined ? null : (JSON.parse(JSON.stringify(output)) as Json);
        return json;
      } catch (error) {
        if (error instanceof CapabilityFailure) throw error;
        const message = error instanceof Error ? error.message : String(error);
        throw new CapabilityFailure({ type: 'exception', message, retryable: !(error instanceof NonRetryableError) });
      }
    },
  };
}
