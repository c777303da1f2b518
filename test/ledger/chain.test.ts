import { describe, expect, it } from 'vitest';
import type { BatonEvent, LedgerEvent } from '../../src/core/index.js';
import {
  canonicalJson,
  chainEvents,
  EMPTY_HEAD,
  GENESIS_HASH,
  storedFormOf,
  verifyChain,
} from '../../src/ledger/index.js';
import { sha256Hex } from '../../src/ledger/canonical.js';

const events: BatonEvent[] = [
  {
    type: 'run.created',
    data: { plan: { baton: 1, name: 'p', steps: { a: { skill: 's' } } }, planHash: 'h', inputs: {}, registry: {} },
  },
  { type: 'step.skipped', data: { step: 'a', reason: 'when `false` is false' } },
  { type: 'run.succeeded', data: { succeeded: 0, skipped: 1, failed: 0 } },
];

function chain(): LedgerEvent[] {
  return chainEvents('r1', EMPTY_HEAD, events, '2026-01-01T00:00:00.000Z');
}

describe('hash chain', () => {
  it('numbers and links events from the genesis hash', () => {
    const chained = chain();
    expect(chained.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(chained[0]?.prevHash).toBe(GENESIS_HASH);
    expect(chained[1]?.prevHash).toBe(chained[0]?.hash);
    expect(verifyChain(chained)).toEqual({ ok: true, events: 3, head: { seq: 3, hash: chained[2]?.hash } });
  });

  it('hashes exactly the RFC 8785 form of the whole event (envelope written in canonical key order)', () => {
    const odd: BatonEvent = { type: 'step.skipped', data: { step: 'é\u0000\ud800🎼"\\', reason: 'x' } };
    const [event] = chainEvents('r-ü', EMPTY_HEAD, [odd], '2026-01-01T00:00:00.000Z');
    const { hash, ...unsigned } = event!;
    expect(hash).toBe(sha256Hex(canonicalJson(unsigned)));
  });

  it('hashes each event of a batch chained onto a head as the canonical form of the whole event', () => {
    const head = { seq: 41, hash: sha256Hex('the event before') };
    const batch: BatonEvent[] = [
      { type: 'step.skipped', data: { step: 'a"b', reason: 'x' } },
      { type: 'step.succeeded', data: { step: 'a', output: { text: 'y'.repeat(64) } } },
      events[2] as BatonEvent,
    ];
    // A threshold of 16 bytes moves the output out: that event is hashed in its stored form.
    const chained = chainEvents('r\n1', head, batch, '2026-01-01T00:00:00.000Z', 16);
    let prevHash = head.hash;
    for (const [index, event] of chained.entries()) {
      const { hash, ...unsigned } = event;
      expect(unsigned.seq).toBe(head.seq + index + 1);
      expect(unsigned.prevHash).toBe(prevHash);
      expect(hash).toBe(sha256Hex(canonicalJson({ ...unsigned, data: storedFormOf(event).data })));
      prevHash = hash;
    }
    expect(storedFormOf(chained[1] as LedgerEvent).payloads).toHaveLength(1);
  });

  it('hashes the canonical form, so key order does not matter', () => {
    const reordered: BatonEvent = { type: 'step.skipped', data: { reason: 'when `false` is false', step: 'a' } };
    const [, a] = chain();
    const [, b] = chainEvents('r1', EMPTY_HEAD, [events[0] as BatonEvent, reordered], '2026-01-01T00:00:00.000Z');
    expect(a?.hash).toBe(b?.hash);
    expect(canonicalJson({ b: 1, a: [1.0, 'x'] })).toBe('{"a":[1,"x"],"b":1}');
  });

  it('names the first event whose content changed', () => {
    const chained = chain();
    (chained[1]?.data as { reason: string }).reason = 'edited';
    expect(verifyChain(chained)).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringMatching(/does not match its hash/),
    });
  });

  it('names a gap, a repeat and a broken link', () => {
    const chained = chain();
    expect(verifyChain([chained[0], chained[2]] as LedgerEvent[])).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/expected seq 2/),
    });
    expect(verifyChain([chained[0], chained[0]] as LedgerEvent[])).toMatchObject({ ok: false, seq: 1 });
    const relinked = chain();
    (relinked[2] as LedgerEvent).prevHash = GENESIS_HASH;
    expect(verifyChain(relinked)).toMatchObject({ ok: false, seq: 3, reason: expect.stringMatching(/prev_hash/) });
  });
});
