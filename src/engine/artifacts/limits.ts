import { CapabilityFailure } from '../../capabilities/index.js';

/** What one attempt may leave as artifacts, at most; beyond it the attempt fails (`artifacts_too_large`). */
export const DEFAULT_MAX_ATTEMPT_BYTES = 1024 ** 3;
/** Every file is a ref in the attempt's ledger event: a step that writes more belongs in an archive. */
export const DEFAULT_MAX_ATTEMPT_FILES = 10_000;

export interface ArtifactLimits {
  /** Total bytes one attempt's artifacts may have (default 1 GiB). */
  maxAttemptBytes?: number;
  /** Files one attempt may leave (default 10,000). */
  maxAttemptFiles?: number;
}

export function tooLarge(limit: number, detail: string): CapabilityFailure {
  return new CapabilityFailure({
    type: 'artifacts_too_large',
    message: `artifacts exceed ${formatBytes(limit)} for one attempt (${detail})`,
    retryable: false,
  });
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3 && bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3} GiB`;
  if (bytes >= 1024 ** 2 && bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
