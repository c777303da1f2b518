import type { LedgerEvent } from '../../core/index.js';

/** An artifact a run's attempt left, as its ledger records it. */
export interface RunArtifact {
  /** `step/file`. */
  name: string;
  sha256: string;
  bytes: number;
  attemptId: string;
  seq: number;
  /** True once a `step.sealed` or `artifact.sealed` event sealed this content under this name. */
  sealed: boolean;
}

/**
 * Every artifact of a run, in the order its attempts reported them: what `GET
 * /v1/artifacts/:sha256` downloads. An artifact written again by a later attempt appears once
 * per content.
 * @example runArtifacts(await baton.events(runId)).map((a) => `${a.name} ${a.sha256}`)
 */
export function runArtifacts(events: Iterable<LedgerEvent>): RunArtifact[] {
  const found = new Map<string, RunArtifact>();
  const key = (name: string, sha256: string) => `${name}\u0000${sha256}`;
  for (const event of events) {
    if (event.type === 'attempt.succeeded') {
      for (const ref of event.data.artifacts ?? []) {
        if (!found.has(key(ref.name, ref.sha256)))
          found.set(key(ref.name, ref.sha256), {
            ...ref,
            attemptId: event.data.attemptId,
            seq: event.seq,
            sealed: false,
          });
      }
    } else if (event.type === 'step.sealed') {
      for (const ref of event.data.artifacts) {
        const artifact = found.get(key(ref.name, ref.sha256));
        if (artifact) artifact.sealed = true;
      }
    } else if (event.type === 'artifact.sealed') {
      const artifact = found.get(key(event.data.artifact, event.data.sha256));
      if (artifact) artifact.sealed = true;
    }
  }
  return [...found.values()];
}
