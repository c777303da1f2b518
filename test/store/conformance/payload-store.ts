import { describe, expect, it } from 'vitest';
import { ConflictError, type BatonEvent, type LedgerEvent } from '../../../src/core/index.js';
import {
  canonicalJson,
  chainEvents,
  isPayloadRef,
  PAYLOAD_THRESHOLD_BYTES,
  sha256Hex,
  verifyChain,
} from '../../../src/ledger/index.js';
import type { LedgerStore, PayloadStore, PositionedEvent } from '../../../src/store/index.js';
import { type Closable, AT, createRun, readStream, settled } from './fixtures.js';

const LARGE = { text: 'z'.repeat(PAYLOAD_THRESHOLD_BYTES + 1) };
const LARGE_HASH = sha256Hex(canonicalJson(LARGE));

function succeeded(step: string, output: unknown): BatonEvent {
  return { type: 'step.succeeded', data: { step, output } } as BatonEvent;
}

/**
 * The PayloadStore port's contract, with the ledger's `append` and `readEvents` that write
 * and resolve payloads: large values leave the event rows, are stored once by hash in the
 * append's transaction, and read back as the values; reads `as reference` give the form the
 * chain covers. Every adapter runs it through `describeStore` (../conformance.ts).
 */
export function describePayloadStore(
  name: string,
  makeStore: () => Promise<LedgerStore & PayloadStore & Closable>,
): void {
  describe(`PayloadStore conformance: ${name}`, () => {
    it('stores a large value once by its hash and reads events back with the value, or as the reference the chain covers', async () => {
      const store = await makeStore();
      const head = await createRun(store, 'r1');
      const events = chainEvents('r1', head, [succeeded('a', LARGE), succeeded('b', LARGE), succeeded('c', 1)], AT);
      await store.append({ runId: 'r1', expectedSeq: head.seq, events, status: 'running' });
      const other = await createRun(store, 'r2');
      const again = chainEvents('r2', other, [succeeded('a', LARGE)], AT);
      await store.append({ runId: 'r2', expectedSeq: other.seq, events: again, status: 'running' });

      const resolved = await store.readEvents('r1');
      expect(resolved.slice(1)).toEqual(events);
      const stored = await store.readEvents('r1', 0, undefined, { payloads: 'reference' });
      const outputs = stored.slice(1).map((e) => (e.data as { output: unknown }).output);
      expect(outputs.slice(0, 2)).toEqual([
        { $payload: `sha256:${LARGE_HASH}`, bytes: canonicalJson(LARGE).length },
        { $payload: `sha256:${LARGE_HASH}`, bytes: canonicalJson(LARGE).length },
      ]);
      expect(outputs[2]).toBe(1);
      // The chain holds over both forms: as stored, and with the values read back.
      expect(verifyChain(stored).ok).toBe(true);
      expect(verifyChain(resolved).ok).toBe(true);

      expect(await store.readPayloads([LARGE_HASH, 'f'.repeat(64)])).toEqual(
        new Map([[LARGE_HASH, canonicalJson(LARGE)]]),
      );
      expect(await store.readPayloads([])).toEqual(new Map());
      // Settled: on PostgreSQL the stream lags while another client holds a transaction open.
      const outputsInStream = (stream: PositionedEvent[]) =>
        stream
          .filter((p) => p.event.type === 'step.succeeded')
          .map((p) => (p.event.data as { output: unknown }).output);
      const stream = await settled(
        () => readStream(store, 2),
        (read) => outputsInStream(read).length === 4,
      );
      expect(outputsInStream(stream)).toEqual([LARGE, LARGE, 1, LARGE]);
      await store.close();
    });

    it('writes no payload when the append fails, and stores a copied event in the form its hash covers', async () => {
      const store = await makeStore();
      const head = await createRun(store, 'r1');
      const losing = chainEvents('r1', { seq: 0, hash: head.hash }, [succeeded('a', LARGE)], AT);
      await expect(
        store.append({
          runId: 'r1',
          expectedSeq: 0,
          events: losing,
          status: 'running',
          create: { name: 'p', planHash: 'h' },
        }),
      ).rejects.toThrow(ConflictError);
      expect(await store.readPayloads([LARGE_HASH])).toEqual(new Map());

      // A copy of a chained event (no longer the object chainEvents returned) is still stored as hashed.
      const copies = chainEvents('r1', head, [succeeded('a', LARGE)], AT).map((e) => ({ ...e }) as LedgerEvent);
      await store.append({ runId: 'r1', expectedSeq: head.seq, events: copies, status: 'running' });
      const stored = await store.readEvents('r1', 0, undefined, { payloads: 'reference' });
      expect(isPayloadRef((stored[1]?.data as { output: unknown }).output)).toBe(true);
      expect(verifyChain(stored).ok).toBe(true);
      expect((await store.readPayloads([LARGE_HASH])).size).toBe(1);
      await store.close();
    });
  });
}
