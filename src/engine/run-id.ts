import { randomBytes } from 'node:crypto';
import { BatonError, ErrorCode } from '../core/index.js';

/** `run-<time>-<random>`: sorts by creation time, unique without coordination. */
export function newRunId(now: number): string {
  return `run-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Refuses a run id the store would not accept; callers check it before they open the workspace. */
export function checkRunId(runId: string): void {
  if (!RUN_ID_PATTERN.test(runId))
    throw new BatonError(
      ErrorCode.badInput,
      `run id "${runId}" must be 1-128 letters, digits, ., _ or - (starting with a letter or digit)`,
    );
}
