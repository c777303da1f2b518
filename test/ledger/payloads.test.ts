import { describe, expect, it } from 'vitest';
import type { BatonEvent, LedgerEvent } from '../../src/core/index.js';
import {
  canonicalJson,
  chainEvents,
  EMPTY_HEAD,
  externalizePayloads,
  hashOf,
  PAYLOAD_THRESHOLD_BYTES,
  sha256Hex,
  storedFormOf,
  verifyChain,
} from '../../src/ledger/index.js';

const AT = '2026-01-01T00:00:00.000Z';
const big = (n: number) => ({ text: 'q'.repeat(n) });

function failed(detail: unknown): BatonEvent {
  return {
    type: 'attempt.failed',
    data: {
      attemptId: 'a/a1',
      error: { type: 'exit_code', message: 'exit 1', retryable: false, detail },
      durationMs: 3,
    },
  } as BatonEvent;
}

describe('large payloads in the chain', () => {
  it('hashes an event over its stored form: the large value as a reference that names its hash and size', () => {
    const output = big(PAYLOAD_THRESHOLD_BYTES);
    const [event] = chainEvents('r', EMPTY_HEAD, [{ type: 'step.succeeded', data: { step: 'a', output } }], AT);
    const stored = storedFormOf(event!);
    const body = canonicalJson(output);
    expect(stored.data).toEqual({ step: 'a', output: { $payload: `sha256:${sha256Hex(body)}`, bytes: body.length } });
    expect(stored.payloads).toEqual([{ hash: sha256Hex(body), body }]);
    expect(event!.data).toEqual({ step: 'a', output }); // what listeners and the fold get
    expect(event!.hash).toBe(hashOf({ ...event!, data: stored.data }));
    expect(event!.hash).not.toBe(hashOf(event!));
  });

  it('moves out nested slots (an error detail) and leaves small values and other fields inline', () => {
    const detail = { stderr: 'e'.repeat(20_000) };
    const stored = externalizePayloads('attempt.failed', (failed(detail) as { data: unknown }).data);
    expect(stored.data).toMatchObject({
      error: { type: 'exit_code', message: 'exit 1', detail: { bytes: 20_000 + 13 } },
    });
    expect(externalizePayloads('attempt.failed', (failed({ small: 1 }) as { data: unknown }).data).payloads).toEqual(
      [],
    );
    const plan = { text: 'p'.repeat(40_000) };
    expect(externalizePayloads('signal.received', { name: 'n', data: plan, by: 'x' }).payloads).toHaveLength(1);
    expect(externalizePayloads('step.skipped', { step: 'a', reason: 'r'.repeat(40_000) }).payloads).toEqual([]);
  });

  it('verifies a chain read with its values resolved, whatever threshold it was written with', () => {
    const signals: BatonEvent[] = [
      { type: 'step.succeeded', data: { step: 'a', output: big(100) } },
      { type: 'step.succeeded', data: { step: 'b', output: big(5_000) } },
      failed(big(50_000)),
    ];
    for (const threshold of [10, 1_000, 16_384, 1_000_000]) {
      const chained = chainEvents('r', EMPTY_HEAD, signals, AT, threshold);
      // As read back resolved: plain copies of the values, no stored form remembered.
      const resolved = JSON.parse(JSON.stringify(chained)) as LedgerEvent[];
      expect(verifyChain(resolved).ok).toBe(true);
      // As stored: the references.
      expect(verifyChain(chained.map((e) => ({ ...e, data: storedFormOf(e).data }) as LedgerEvent)).ok).toBe(true);
    }
  });

  it('fails a resolved event whose value differs from the one its reference named', () => {
    const chained = chainEvents(
      'r',
      EMPTY_HEAD,
      [{ type: 'step.succeeded', data: { step: 'a', output: big(20_000) } }],
      AT,
    );
    const changed = JSON.parse(JSON.stringify(chained)) as LedgerEvent[];
    (changed[0]!.data as unknown as { output: { text: string } }).output.text += '!';
    expect(verifyChain(changed)).toMatchObject({
      ok: false,
      seq: 1,
      reason: expect.stringContaining('content does not match its hash'),
    });
  });

  it('always moves out a value shaped like a reference, so an inline value never reads as one', () => {
    const lookalike = { $payload: `sha256:${'0'.repeat(64)}`, bytes: 2 };
    const [event] = chainEvents(
      'r',
      EMPTY_HEAD,
      [{ type: 'step.succeeded', data: { step: 'a', output: lookalike } }],
      AT,
    );
    const stored = storedFormOf(event!);
    expect(stored.payloads.map((p) => p.body)).toEqual([canonicalJson(lookalike)]);
    expect(verifyChain([JSON.parse(JSON.stringify(event)) as LedgerEvent]).ok).toBe(true);
  });
});
