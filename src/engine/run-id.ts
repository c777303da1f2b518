import { randomBytes } from 'node:crypto';

/** `run-<time>-<random>`: sorts by creation time, unique without coordination. */
export function newRunId(now: number): string {
  return `run-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
