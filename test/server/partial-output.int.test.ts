import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/index.js';
import type { PartialOutput } from '../../src/engine/index.js';
import { startFakeOpenAi, streamingPlan, type FakeOpenAi } from '../support/fake-openai.js';
import { startServer, submit } from './harness.js';
import { readSse } from './sse-reader.js';

// Its name matches no secret pattern: only `api_key_env` makes it a secret.
const KEY_VARIABLE = 'FAKE_STREAM_PASSPHRASE';
const KEY = 'sk-fake-9d2e7c4b1a';
// The key is split across two pieces: only redacting the whole text so far finds it.
const PIECES = ['The key ', `is ${KEY.slice(0, 8)}`, `${KEY.slice(8)} and `, 'the answer ', 'is 42.'];

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  delete process.env[KEY_VARIABLE];
  fake.reply();
});

describe('partial output of a streamed model answer', () => {
  it('reaches the run event stream as `partial` messages before attempt.succeeded, redacted, never in the ledger', async () => {
    process.env[KEY_VARIABLE] = KEY;
    fake.reply({ deltas: PIECES, delayMs: 250, usage: { prompt_tokens: 12, completion_tokens: 9 } });
    const s = await startServer();
    try {
      const runId = await submit(s, streamingPlan(fake, KEY_VARIABLE));
      const messages = await readSse(
        await s.call('GET', `/v1/runs/${runId}/events`, { token: s.tokens.read }),
        Infinity,
      );
      const ledger = await s.baton.events(runId);

      const partials = messages.filter((message) => message.event === 'partial');
      const succeededAt = messages.findIndex(
        (message) =>
          message.event === undefined && (JSON.parse(message.data) as LedgerEvent).type === 'attempt.succeeded',
      );
      expect(succeededAt).toBeGreaterThan(0);
      expect(partials.length).toBeGreaterThanOrEqual(2);
      expect(messages.indexOf(partials.at(-1)!)).toBeLessThan(succeededAt);
      // Partials carry no id: a reconnecting client's Last-Event-ID is still the last ledger event's seq.
      expect(partials.every((message) => message.id === undefined)).toBe(true);
      const ledgerMessages = messages.filter((message) => message.event === undefined);
      expect(ledgerMessages.map((message) => Number(message.id))).toEqual(ledger.map((event) => event.seq));

      const bodies = partials.map((message) => JSON.parse(message.data) as PartialOutput);
      const dispatched = ledger.find((event) => event.type === 'attempt.dispatched');
      for (const body of bodies) {
        expect(body).toMatchObject({ runId, step: 'answer' });
        expect(body.attemptId).toBe(dispatched?.type === 'attempt.dispatched' ? dispatched.data.attemptId : '');
        expect(body.text).not.toContain(KEY.slice(0, 8) + KEY.slice(8));
      }
      // Each partial is the whole text so far: it grows, and the key split across pieces is redacted.
      const texts = bodies.map((body) => body.text);
      for (let i = 1; i < texts.length; i += 1) expect(texts[i]!.length).toBeGreaterThan(texts[i - 1]!.length);
      expect(texts.some((text) => text.includes(`[redacted:${KEY_VARIABLE}]`))).toBe(true);

      // The ledger has the final answer (redacted) and the streamed usage, and no partial at all.
      expect(JSON.stringify(ledger)).not.toContain('partial');
      expect(JSON.stringify(ledger)).not.toContain(KEY);
      const succeeded = ledger.find((event) => event.type === 'attempt.succeeded');
      expect(succeeded?.type === 'attempt.succeeded' && succeeded.data).toMatchObject({
        output: `The key is [redacted:${KEY_VARIABLE}] and the answer is 42.`,
        usage: { inputTokens: 12, outputTokens: 9 },
      });
      expect(fake.requests.at(-1)?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    } finally {
      await s.baton.close();
    }
  });
});
