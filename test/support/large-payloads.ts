import { expect } from 'vitest';
import type { LedgerEvent } from '../../src/core/index.js';
import { sha256Hex } from '../../src/ledger/index.js';
import { startServer } from '../server/harness.js';
import type { Store } from '../../src/store/index.js';

/** A step output of about 100 KB, not all ASCII (payload sizes are counted in UTF-8 bytes). */
export const BIG = { text: `${'x'.repeat(99_990)}ünïcødé`, lines: [1, 2, 3] };
export const BIG_BODY = JSON.stringify({ lines: BIG.lines, text: BIG.text }); // canonical: keys sorted
export const BIG_HASH = sha256Hex(BIG_BODY);

/**
 * A run whose steps `a` and `b` each output BIG, and `c` reads them through its input
 * template, over a real Baton and its HTTP app (SQLite in a fresh workspace unless `store`).
 * Returns what the tests inspect.
 */
export async function runWithLargeOutputs(store?: Store) {
  const server = await startServer({}, store);
  const { baton } = server;
  baton.register({ id: 'big', skills: { big: 1 }, run: () => BIG });
  const run = await baton.submit({
    baton: 1,
    name: 'large-payloads',
    steps: {
      a: { skill: 'big' },
      b: { skill: 'big' },
      c: {
        skill: 'work',
        after: ['a', 'b'],
        input: { length: '{{ size(steps.a.output.text) }}', same: '{{ steps.a.output == steps.b.output }}' },
      },
    },
  });
  const result = await run.result();
  expect(result.status).toBe('succeeded');
  return { server, baton, runId: run.runId };
}

/** What every reader must see: the values, never a reference. */
export async function expectRealValues(
  server: Awaited<ReturnType<typeof runWithLargeOutputs>>['server'],
  runId: string,
): Promise<void> {
  const events = await server.baton.events(runId);
  const outputs = events.filter(
    (e): e is Extract<LedgerEvent, { type: 'step.succeeded' }> => e.type === 'step.succeeded',
  );
  expect(Object.fromEntries(outputs.map((e) => [e.data.step, e.data.output]))).toEqual({
    a: BIG,
    b: BIG,
    c: { length: BIG.text.length, same: true },
  });
  const view = (await (await server.call('GET', `/v1/runs/${runId}`)).json()) as {
    steps: { step: string; output: unknown }[];
  };
  expect(view.steps.find((s) => s.step === 'a')?.output).toEqual(BIG);
  const page = (await (await server.call('GET', `/v1/runs/${runId}/ledger`)).json()) as {
    events: LedgerEvent[];
  };
  expect(JSON.stringify(page)).not.toContain('$payload');
  expect(page.events.filter((e) => e.type === 'attempt.succeeded').map((e) => e.data.output)).toContainEqual(BIG);
}

/** The seq of the first event that references BIG: verify reports a bad payload there. */
export async function firstReferencing(store: Store, runId: string): Promise<LedgerEvent> {
  const stored = await store.readEvents(runId, 0, undefined, { payloads: 'reference' });
  const first = stored.find((e) => JSON.stringify(e.data).includes(`sha256:${BIG_HASH}`));
  expect(first).toBeDefined();
  return first as LedgerEvent;
}
