import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaton, type Baton } from '../../src/index.js';
import type { LedgerEvent, Plan } from '../../src/core/index.js';
import { loadRegistryFile, runView } from '../../src/engine/index.js';
import { replayLedger, routingLog } from '../../src/ledger/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { describePostgres, freshSchema } from '../support/postgres.js';
import { tempDir } from '../support/temp.js';

/** A short window stands in for the minute, so the limit is seen to work in seconds. */
const WINDOW_MS = 1_500;
const TOKENS_PER_WINDOW = 450;
/** Each call reserves 150 (100 in + 50 out) and the fake reports 100 used. */
const USED_PER_CALL = 100;
const STEPS_PER_RUN = 6;

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
  fake.reply({ text: 'done', usage: { prompt_tokens: 60, completion_tokens: 40 }, latencyMs: 100 });
});
afterAll(async () => {
  await fake.close();
});

/** A registry whose one model capability draws on the limit key `fake`. */
function writeRegistry(): string {
  const file = join(tempDir(), 'baton.yaml');
  writeFileSync(
    file,
    [
      'capabilities:',
      '  writer:',
      '    kind: llm',
      '    provider: openai-compatible',
      `    base_url: ${fake.url}`,
      '    model: fake-model',
      '    limit: fake',
      '    max_input_tokens: 100',
      '    max_output_tokens: 50',
      '    skills: { write: 1 }',
      'limits:',
      `  fake: { tokens_per_minute: ${TOKENS_PER_WINDOW} }`,
      '',
    ].join('\n'),
  );
  return file;
}

function plan(name: string): Plan {
  const steps = Object.fromEntries(
    Array.from({ length: STEPS_PER_RUN }, (_, i) => [`s${i}`, { skill: 'write', input: `part ${i} of ${name}` }]),
  );
  return { baton: 1, name, steps };
}

/** The most tokens the provider saw in any window: every window that starts at a request. */
function maxTokensInAnyWindow(arrivals: readonly number[]): number {
  return Math.max(
    ...arrivals.map((start) => arrivals.filter((at) => at >= start && at < start + WINDOW_MS).length * USED_PER_CALL),
  );
}

/**
 * Two runs, each submitted by its own engine on its own connection to one store, race for one
 * tokens-per-minute limit: the provider never sees more than the limit in any window, and the
 * steps held back say so in the ledger and the routing log.
 */
async function twoRunsUnderOneLimit(makeStore: () => Promise<Store>): Promise<void> {
  fake.requests.length = 0;
  const registry = await loadRegistryFile(writeRegistry());
  const home = tempDir();
  const batons: Baton[] = [];
  for (let i = 0; i < 2; i++)
    batons.push(await createBaton({ home, store: await makeStore(), registry, limitWindowMs: WINDOW_MS }));
  try {
    const runs = await Promise.all(batons.map((baton, i) => baton.submit(plan(`run${i}`))));
    const results = await Promise.all(runs.map((run) => run.result()));
    expect(results.map((result) => result.status)).toEqual(['succeeded', 'succeeded']);

    expect(fake.requests.length).toBe(2 * STEPS_PER_RUN);
    expect(maxTokensInAnyWindow(fake.requests.map((request) => request.at))).toBeLessThanOrEqual(TOKENS_PER_WINDOW);

    const ledgers: LedgerEvent[][] = await Promise.all(runs.map((run, i) => batons[i]!.events(run.runId)));
    for (const events of ledgers) {
      // The holds fold and replay: re-deriving the decisions over the ledger gives the recorded ones.
      expect(replayLedger(events)).toMatchObject({ ok: true });
      // At most four calls fit in the first window (three reserves of 150, then 100 + 100 + 100 + 150):
      // each run of six had steps held.
      const held = events.filter((event) => event.type === 'attempt.held');
      expect(held.length).toBeGreaterThan(0);
      for (const event of held) {
        expect(event.data).toMatchObject({ key: 'fake', limit: 'tokens_per_minute', admitted: true });
        const data = event.data as { since: string; until: string };
        expect(Date.parse(data.until)).toBeGreaterThanOrEqual(Date.parse(data.since));
      }
      // Each hold is written with its attempt's outcome, just before it.
      for (const event of held) {
        const next = events[events.indexOf(event) + 1]!;
        expect(next.type).toBe('attempt.succeeded');
        expect(next.data).toMatchObject({ attemptId: (event.data as { attemptId: string }).attemptId });
      }
      const succeeded = events.filter((event) => event.type === 'attempt.succeeded');
      expect(succeeded.map((event) => event.data)).toEqual(
        Array(STEPS_PER_RUN).fill(expect.objectContaining({ usage: { inputTokens: 60, outputTokens: 40 } })),
      );
      const heldAttempts = routingLog(events)
        .flatMap((entry) => entry.attempts)
        .filter((attempt) => attempt.holds !== undefined);
      expect(heldAttempts.length).toBe(held.length);
      expect(heldAttempts[0]!.holds).toEqual([expect.objectContaining({ key: 'fake', limit: 'tokens_per_minute' })]);
    }
    // `baton status` reads the holds too.
    for (const [i, run] of runs.entries()) {
      const { record, state } = await batons[i]!.getRun(run.runId);
      const view = runView(record, state);
      expect(view.steps.filter((step) => step.held !== undefined).length).toBe(
        ledgers[i]!.filter((event) => event.type === 'attempt.held').length,
      );
    }
  } finally {
    await Promise.all(batons.map((baton) => baton.close()));
  }
}

describe('provider limits against a fake OpenAI-compatible server', () => {
  it('hold the steps of two concurrent runs on one SQLite file to a tokens-per-minute limit', async () => {
    const file = join(tempDir(), 'baton.db');
    await twoRunsUnderOneLimit(async () => new SqliteStore(file));
  }, 60_000);
});

describePostgres('provider limits on PostgreSQL', (url) => {
  it('hold the steps of two concurrent runs, run by workers of two engines, to a tokens-per-minute limit', async () => {
    const schema = freshSchema();
    await twoRunsUnderOneLimit(() => PostgresStore.connect(url, { schema }));
  }, 60_000);
});
