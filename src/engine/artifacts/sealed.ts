import type { LedgerEvent } from '../../core/index.js';
import type { ChainVerdict } from '../../ledger/index.js';
import { describeApprovedFailure, type ApprovedEvidenceVerdict } from './approved-evidence.js';
import type { ArtifactStore } from './store.js';

/** A sealed artifact as the ledger records it: the hash it was sealed with, and the event that sealed it. */
export interface SealedArtifact {
  name: string;
  sha256: string;
  seq: number;
}

/** A sealed artifact whose stored content is gone or no longer has the sealed hash. */
export interface ArtifactFailure extends SealedArtifact {
  status: 'missing' | 'changed';
  /** The hash the stored content has now; null when there is nothing readable. */
  actual: string | null;
}

/** The sealed artifacts of a run, re-hashed in the artifact store. */
export interface SealedArtifactsVerdict {
  /** Sealed artifacts checked. */
  sealed: number;
  failed: ArtifactFailure[];
}

/**
 * `verify`'s answer: the chain's verdict, and once the chain holds, the sealed artifacts'.
 * A failed artifact makes the whole verdict fail at the `seq` of the event that sealed it,
 * so code reading only `ok`, `seq` and `reason` (the CLI) reports it unchanged.
 */
export type RunVerdict = ChainVerdict & {
  artifacts?: SealedArtifactsVerdict;
  /** The sealed artifacts approvals bound (`decision.made`'s evidence), re-hashed. */
  approvals?: ApprovedEvidenceVerdict;
  /** False for a run created before the workspace ledger began (it has no entries there to check against). */
  covered?: boolean;
};

/** Reasons listed in full before the rest are counted. */
const LISTED = 3;

/**
 * Folds the seals out of a run's events (`step.sealed`, `artifact.sealed`), in ledger order.
 * The hash checked is the one the sealing event recorded, not the latest attempt's: an
 * artifact sealed once is held to that content for good.
 */
export class SealedArtifactsFold {
  private readonly seals = new Map<string, SealedArtifact>();

  push(event: LedgerEvent): void {
    if (event.type === 'step.sealed')
      for (const artifact of event.data.artifacts) this.add(artifact.name, artifact.sha256, event.seq);
    else if (event.type === 'artifact.sealed') this.add(event.data.artifact, event.data.sha256, event.seq);
  }

  private add(name: string, sha256: string, seq: number): void {
    const key = `${name}\u0000${sha256}`;
    if (!this.seals.has(key)) this.seals.set(key, { name, sha256, seq });
  }

  get sealed(): SealedArtifact[] {
    return [...this.seals.values()];
  }
}

/** Re-hashes each sealed artifact's stored content. */
export async function checkSealedArtifacts(
  store: ArtifactStore,
  sealed: readonly SealedArtifact[],
): Promise<SealedArtifactsVerdict> {
  const failed: ArtifactFailure[] = [];
  for (const artifact of sealed) {
    const { status, actual } = await store.check(artifact.sha256);
    if (status !== 'ok') failed.push({ ...artifact, status, actual });
  }
  return { sealed: sealed.length, failed };
}

/**
 * The chain's verdict joined with the artifacts' and the approvals': ok only when all are. An
 * approval whose bound artifact changed is named first (it says what the change undid); the
 * verdict fails at the earliest event involved.
 */
export function joinVerdicts(
  chain: ChainVerdict,
  artifacts: SealedArtifactsVerdict,
  approvals: ApprovedEvidenceVerdict = { checked: 0, failed: [] },
): RunVerdict {
  const failures = [
    ...approvals.failed.map((failure) => ({ seq: failure.seq, reason: describeApprovedFailure(failure) })),
    ...artifacts.failed.map((failure) => ({ seq: failure.seq, reason: describeFailure(failure) })),
  ];
  if (!chain.ok || failures.length === 0) return { ...chain, artifacts, approvals };
  const reasons = failures.slice(0, LISTED).map((failure) => failure.reason);
  if (failures.length > LISTED) reasons.push(`and ${failures.length - LISTED} more`);
  const seq = Math.min(...failures.map((failure) => failure.seq));
  return { ok: false, events: chain.events, seq, reason: reasons.join('; '), artifacts, approvals };
}

function describeFailure(failure: ArtifactFailure): string {
  if (failure.status === 'missing')
    return `sealed artifact "${failure.name}" is missing from the artifact store (sealed sha256 ${failure.sha256})`;
  const now = failure.actual === null ? 'now unreadable' : `now ${failure.actual}`;
  return `sealed artifact "${failure.name}" was changed (sealed sha256 ${failure.sha256}, ${now})`;
}
