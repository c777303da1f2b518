import { APICallError, NoObjectGeneratedError } from 'ai';
import type { StepError } from '../../core/index.js';
import { AbortReason, CapabilityFailure } from '../types.js';

/** A `retry-after` header (seconds, or an HTTP date) as milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The first line of a provider's message, bounded: it is shown in status lines and kept in the ledger. */
function shortMessage(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

/** The message of the error at the bottom of a chain of causes: the schema check's own words, not the wrappers'. */
function innermostMessage(error: Error): string {
  let inner = error;
  while (inner.cause instanceof Error) inner = inner.cause;
  return inner.message;
}

/**
 * A failed model call as a step failure: 429, 5xx and network errors are retryable (with the
 * provider's `retry-after`), other 4xx are not; a timeout or cancellation says so; an answer
 * that does not match `output_schema` is not retried here (the step's `retry` may try again).
 * Neither the request (the prompt, the headers) nor the response body is kept: only the status
 * and the provider's message, which the executor redacts like every outcome.
 * @example
 * throw llmFailure(error, 'openai gpt-4o-mini', signal);
 */
export function llmFailure(error: unknown, model: string, signal: AbortSignal): CapabilityFailure {
  if (error instanceof CapabilityFailure) return error;
  if (signal.aborted) {
    const reason = signal.reason as AbortReason;
    const timeout = reason === AbortReason.timeout;
    return new CapabilityFailure({
      type: timeout ? 'timeout' : 'cancelled',
      message: timeout ? 'timed out' : 'cancelled',
      retryable: timeout,
    });
  }
  if (APICallError.isInstance(error)) return new CapabilityFailure(apiCallError(error, model));
  if (NoObjectGeneratedError.isInstance(error))
    return new CapabilityFailure({
      type: 'invalid_output',
      message: `${model}: the answer does not match output_schema: ${shortMessage(innermostMessage(error))}`,
      retryable: false,
      ...(error.text !== undefined && { detail: { answer: error.text.slice(0, 4_000) } }),
    });
  const message = error instanceof Error ? error.message : String(error);
  return new CapabilityFailure({ type: 'llm', message: `${model}: ${shortMessage(message)}`, retryable: true });
}

function apiCallError(error: APICallError, model: string): StepError {
  const status = error.statusCode;
  if (status === undefined)
    return { type: 'network', message: `${model}: ${shortMessage(error.message)}`, retryable: true };
  const retryable = status === 429 || status >= 500;
  const wait = retryable ? retryAfterMs(error.responseHeaders?.['retry-after'], Date.now()) : undefined;
  return {
    type: status === 429 ? 'rate_limited' : 'http_status',
    message: `${model}: HTTP ${status}: ${shortMessage(error.message)}`,
    retryable,
    detail: { status },
    ...(wait !== undefined && { retryAfterMs: wait }),
  };
}
