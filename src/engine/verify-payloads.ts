import type { LedgerEvent } from '../core/index.js';
import {
  describePayloadProblem,
  payloadHashOf,
  payloadProblem,
  payloadRefsIn,
  type PayloadRef,
} from '../ledger/index.js';
import type { PayloadStore } from '../store/index.js';

/** How many payloads verify reads at once: a page of bodies in memory, not the run's all. */
const PAGE = 100;

interface ReferencingEvent {
  runId: string;
  seq: number;
  type: string;
  ref: PayloadRef;
}

/**
 * The payload references of a run's stored events, gathered while its chain is verified: the
 * first event that references each distinct payload (a payload is checked once, and a
 * problem is reported at the earliest event it touches).
 */
export class PayloadRefsFold {
  readonly first = new Map<string, ReferencingEvent>();

  push(event: LedgerEvent): void {
    for (const { ref } of payloadRefsIn(event.type, event.data)) {
      const hash = payloadHashOf(ref);
      if (!this.first.has(hash)) this.first.set(hash, { runId: event.runId, seq: event.seq, type: event.type, ref });
    }
  }
}

/**
 * Re-hashes every referenced payload as stored; the first missing or changed one (by the seq
 * of the event that references it) is the verdict's failure, naming the event and the hash.
 * Undefined when all hold.
 */
export async function checkPayloads(
  store: PayloadStore,
  refs: PayloadRefsFold,
): Promise<{ seq: number; reason: string } | undefined> {
  let failure: { seq: number; reason: string } | undefined;
  const hashes = [...refs.first.keys()];
  for (let i = 0; i < hashes.length; i += PAGE) {
    const page = hashes.slice(i, i + PAGE);
    const bodies = await store.readPayloads(page);
    for (const hash of page) {
      const referencing = refs.first.get(hash) as ReferencingEvent;
      const problem = payloadProblem(referencing.ref, bodies.get(hash));
      if (problem && (failure === undefined || referencing.seq < failure.seq)) {
        failure = { seq: referencing.seq, reason: describePayloadProblem(referencing, referencing.ref, problem) };
      }
    }
  }
  return failure;
}
