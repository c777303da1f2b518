import type { LedgerEvent } from '../../core/index.js';
import type { ArtifactStore } from './store.js';

/** A sealed artifact an approval was shown, with the hash it had then. */
export interface ApprovedArtifact {
  /** The decision approved (`gate:ship`) and the seq of its `decision.made`. */
  decision: string;
  seq: number;
  name: string;
  sha256: string;
}

/** An approved sealed artifact whose stored content is gone or no longer has the hash the approval recorded. */
export interface ApprovedArtifactFailure extends ApprovedArtifact {
  status: 'missing' | 'changed';
  actual: string | null;
}

export interface ApprovedEvidenceVerdict {
  /** Approved sealed artifacts checked. */
  checked: number;
  failed: ApprovedArtifactFailure[];
}

/**
 * Folds, out of a run's events, the sealed artifacts each approval was shown (`decision.made`
 * with `evidence`). Artifacts that were not sealed when approved are recorded in the ledger but
 * not collected: nothing made them immutable, so a later change is not a breach.
 */
export class ApprovedEvidenceFold {
  private readonly bound: ApprovedArtifact[] = [];

  push(event: LedgerEvent): void {
    if (event.type !== 'decision.made' || event.data.evidence === undefined) return;
    for (const artifact of event.data.evidence.artifacts)
      if (artifact.sealed && artifact.sha256 !== null)
        this.bound.push({ decision: event.data.id, seq: event.seq, name: artifact.name, sha256: artifact.sha256 });
  }

  get approved(): readonly ApprovedArtifact[] {
    return this.bound;
  }
}

/** Re-hashes each approved sealed artifact's stored content (each distinct hash once). */
export async function checkApprovedEvidence(
  store: ArtifactStore,
  approved: readonly ApprovedArtifact[],
): Promise<ApprovedEvidenceVerdict> {
  const checks = new Map<string, ReturnType<ArtifactStore['check']>>();
  const failed: ApprovedArtifactFailure[] = [];
  for (const artifact of approved) {
    let check = checks.get(artifact.sha256);
    if (check === undefined) {
      check = store.check(artifact.sha256);
      checks.set(artifact.sha256, check);
    }
    const { status, actual } = await check;
    if (status !== 'ok') failed.push({ ...artifact, status, actual });
  }
  return { checked: approved.length, failed };
}

/** One line naming the decision, the artifact and both hashes. */
export function describeApprovedFailure(failure: ApprovedArtifactFailure): string {
  const now =
    failure.status === 'missing'
      ? 'is now missing from the artifact store'
      : failure.actual === null
        ? 'is now unreadable'
        : `now hashes to ${failure.actual}`;
  return `approval ${failure.decision} (seq ${failure.seq}) bound sealed artifact "${failure.name}" at sha256 ${failure.sha256}, which ${now}`;
}
