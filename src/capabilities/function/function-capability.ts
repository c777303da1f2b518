import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CapabilityDescriptor, Json } from '../../core/index.js';
import { durationToMs } from '../../core/index.js';
import { AbortReason, CapabilityFailure, type AttemptFiles, type CapabilityRunner, type Invocation } from '../types.js';

export interface FunctionContext {
  runId: string;
  step: string;
  attemptId: string;
  idempotencyKey: string;
  /** Aborted on timeout or cancellation: stop work and return (or throw) promptly. */
  signal: AbortSignal;
  /**
   * What the step may touch: paths, hosts and URLs from its `constraints.scope` (the run's
   * narrowed by the step's), or null when none is declared. Baton does not check what a
   * function does: keeping within it is the function's part.
   */
  readonly scope: readonly string[] | null;
  /**
   * The attempt's own empty directory, made on first read. Every file left in it when the
   * attempt succeeds is stored content-addressed and recorded as the artifact `STEP/FILE`.
   */
  readonly artifactsDir: string;
  /**
   * Writes one artifact into `artifactsDir`. `name` is a relative path with forward slashes
   * (`report.txt`, `logs/run.log`); no `..`, no absolute paths.
   * @example await context.writeArtifact('summary.json', JSON.stringify(summary));
   */
  writeArtifact(name: string, data: string | Uint8Array): Promise<void>;
  /**
   * Adds what this attempt cost, in US dollars (call it once per paid call, or once with the
   * total). A reported cost replaces the capability's declared `costUsd` in the run's budget.
   * A negative or non-finite figure fails the attempt without a retry.
   */
  reportCost(usd: number): void;
}

/** A TypeScript function registered as a capability through the library API. */
export interface FunctionCapability<I = unknown, O = unknown> {
  id: string;
  skills: Record<string, number>;
  description?: string;
  /** Default attempt timeout, e.g. `30s`. */
  timeout?: string;
  /** The most one attempt can cost (USD), reserved against the budget before dispatch; `reportCost` settles the actual figure. */
  costUsd?: number;
  /** What it needs from the run's grant (`constraints.permissions`), e.g. `network`. */
  permissions?: string[];
  run(input: I, context: FunctionContext): O | Promise<O>;
}

/** Throw this from a function to fail the attempt without a retry. */
export class NonRetryableError extends Error {
  override readonly name = 'NonRetryableError';
}

/**
 * A promise that rejects when `signal` aborts, and `stop` to remove its listener once the
 * attempt is over: a signal can outlive its attempt (a run's), and each attempt left one.
 */
function rejectOnAbort(signal: AbortSignal): { aborted: Promise<never>; stop: () => void } {
  let stop = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => {
      const reason = signal.reason as AbortReason;
      reject(
        new CapabilityFailure({
          type: reason === AbortReason.timeout ? 'timeout' : 'cancelled',
          message: reason === AbortReason.timeout ? 'timed out' : 'cancelled',
          retryable: reason === AbortReason.timeout,
        }),
      );
    };
    if (signal.aborted) fail();
    else {
      signal.addEventListener('abort', fail, { once: true });
      stop = () => signal.removeEventListener('abort', fail);
    }
  });
  return { aborted, stop };
}

/** `name` as a path under the artifact directory, or a NonRetryableError saying why it cannot be one. */
function artifactPath(dir: string, name: string): string {
  const segments = typeof name === 'string' ? name.split('/') : [];
  if (
    segments.length === 0 ||
    segments.some(
      (part) => part === '' || part === '.' || part === '..' || part.includes('\\') || part.includes('\u0000'),
    )
  ) {
    throw new NonRetryableError(
      `writeArtifact: "${String(name)}" is not an artifact name: use a relative path with forward slashes, e.g. "report.txt" or "logs/run.log" (no "..", no leading "/")`,
    );
  }
  return join(dir, ...segments);
}

function contextFor(invocation: Invocation): FunctionContext {
  const { runId, step, attemptId, idempotencyKey, signal } = invocation;
  const files: AttemptFiles = invocation.files;
  return {
    runId,
    step,
    attemptId,
    idempotencyKey,
    signal,
    // A frozen copy: the list can be the plan's own array, which no function may change.
    scope: invocation.scope === null ? null : Object.freeze([...invocation.scope]),
    get artifactsDir() {
      return files.artifactsDir();
    },
    async writeArtifact(name, data) {
      const path = artifactPath(files.artifactsDir(), name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data);
    },
    reportCost: (usd) => files.reportCost(usd),
  };
}

export function functionRunner(capability: FunctionCapability): CapabilityRunner {
  const descriptor: CapabilityDescriptor = {
    id: capability.id,
    kind: 'function',
    skills: capability.skills,
    ...(capability.description !== undefined && { description: capability.description }),
    ...(capability.costUsd !== undefined && { costUsd: capability.costUsd }),
    ...(capability.permissions !== undefined && { permissions: [...capability.permissions] }),
    ...(capability.timeout !== undefined && { timeoutMs: durationToMs(capability.timeout) }),
  };
  return {
    descriptor,
    async invoke(invocation: Invocation): Promise<Json> {
      const abort = rejectOnAbort(invocation.signal);
      try {
        // A function that ignores its signal must not hold the attempt past a timeout or cancel.
        const output: unknown = await Promise.race([
          capability.run(invocation.input, contextFor(invocation)),
          abort.aborted,
        ]);
        // Outputs go into the ledger as JSON: anything else is a capability bug, named as such.
        const json = output === undefined ? null : (JSON.parse(JSON.stringify(output)) as Json);
        return json;
      } catch (error) {
        if (error instanceof CapabilityFailure) throw error;
        const message = error instanceof Error ? error.message : String(error);
        throw new CapabilityFailure({ type: 'exception', message, retryable: !(error instanceof NonRetryableError) });
      } finally {
        abort.stop();
      }
    },
  };
}
