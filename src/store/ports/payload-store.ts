import { BatonError, ErrorCode, type LedgerEvent } from '../../core/index.js';
import { resolvePayloads } from '../../ledger/index.js';

/**
 * The payloads that events reference instead of holding large values inline (see
 * src/ledger/payloads.ts), content-addressed: one row per distinct value, written by the
 * ledger's `append` in the transaction of the events that reference it, never changed.
 */
export interface PayloadStore {
  /**
   * The bodies (canonical JSON) of the payloads with these hex sha256 hashes, by hash; a hash
   * the store does not hold is absent from the map. As stored: the caller checks the hashes.
   */
  readPayloads(hashes: readonly string[]): Promise<Map<string, string>>;
}

/** How `readEvents` hands out large values: resolved (the default), or as the references the chain was hashed over. */
export type PayloadReading = 'resolve' | 'reference';

/**
 * Stored events with their references replaced by the payloads' values, the one place where
 * every adapter resolves them. A payload that is missing or was changed is an integrity
 * failure naming the event and the hash: reads never hand out a value its hash does not bind.
 */
export function resolveStoredPayloads(
  events: LedgerEvent[],
  readPayloads: (hashes: string[]) => Promise<Map<string, string>>,
): Promise<LedgerEvent[]> {
  return resolvePayloads(
    events,
    readPayloads,
    (message, event) =>
      new BatonError(ErrorCode.integrity, `run "${event.runId}": ${message}; \`baton verify\` checks the whole run`),
  );
}
