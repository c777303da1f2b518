import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBaton, type Baton } from '../../src/index.js';
import type { LlmCapability, Plan } from '../../src/core/index.js';
import { runView } from '../../src/engine/index.js';
import { pipelineState } from '../../src/ledger/index.js';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai.js';
import { tempDir } from '../support/temp.js';

let fake: FakeOpenAi;
beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  fake.requests.length = 0;
  fake.reply();
});

function model(name: string, extra: Partial<LlmCapability> = {}): LlmCapability {
  return {
    kind: 'llm',
    provider: 'openai-compatible',
    base_url: fake.url,
    model: name,
    skills: { answer: 0.9 },
    max_input_tokens: 2_000,
    max_output_tokens: 200,
    price: { input_per_mtok: 1, output_per_mtok: 2 },
    ...extra,
  };
}

/** Two models from different providers answer; a third model judges whether they agree. */
const plan = (): Plan =>
  ({
    baton: 1,
    name: 'judged-answer',
    capabilities: {
      'model-a': model('model-a'),
      'model-b': model('model-b', { skills: { answer: 0.8 } }),
      referee: model('referee', {
        skills: { judge: 1 },
        system: 'You judge whether the votes answer the input the same way. Answer as JSON.',
        output_schema: {
          type: 'object',
          properties: { agree: { type: 'boolean' }, output: { type: 'string' }, reasons: { type: 'string' } },
          required: ['agree', 'reasons'],
        },
      }),
    },
    steps: {
      capital: {
        skill: 'answer',
        input: 'What is the capital of France?',
        consensus: { n: 2, agree: 'all', compare: 'judge' },
      },
    },
  }) as Plan;

async function withBaton<T>(use: (baton: Baton) => Promise<T>): Promise<T> {
  const baton = await createBaton({ home: tempDir() });
  try {
    return await use(baton);
  } finally {
    await baton.close();
  }
}

describe('consensus judged by an llm, against a fake OpenAI-compatible server', () => {
  it('two models answer differently, the judge says they agree: the step takes its answer and the verdict is in the ledger', async () => {
    fake.replyTo('model-a', { text: 'Paris.' });
    fake.replyTo('model-b', { text: 'The capital of France is Paris' });
    fake.replyTo('referee', {
      text: JSON.stringify({ agree: true, output: 'Paris', reasons: 'Both name Paris; only the wording differs.' }),
    });
    await withBaton(async (baton) => {
      const run = await baton.submit(plan());
      expect(await run.result()).toMatchObject({ status: 'succeeded', outputs: { capital: 'Paris' } });
      // The judge was asked once the votes were in, and was shown both of them and the question.
      expect(fake.requests.map((request) => request.body.model).slice(-1)).toEqual(['referee']);
      const judgeRequest = JSON.stringify(fake.requests.at(-1)?.body.messages);
      expect(judgeRequest).toContain('The capital of France is Paris');
      expect(judgeRequest).toContain('Paris.');
      expect(judgeRequest).toContain('What is the capital of France?');
      const events = await baton.events(run.runId);
      expect(events.find((event) => event.type === 'consensus.judged')?.data).toEqual({
        step: 'capital',
        judge: 'referee',
        agree: true,
        output: 'Paris',
        reasons: 'Both name Paris; only the wording differs.',
      });
      const judgeRoute = events.find((event) => event.type === 'step.routed' && event.data.role === 'judge');
      expect(judgeRoute?.data).toMatchObject({ capability: 'referee', reason: expect.stringContaining('judge of') });
      expect(events.find((event) => event.type === 'consensus.reached')?.data).toMatchObject({
        agreeing: ['model-a', 'model-b'],
      });
      expect((await baton.verify(run.runId)).ok).toBe(true);
    });
  });

  it('the judge says they disagree: the run escalates, and the verdict and reasons are in its status', async () => {
    fake.replyTo('model-a', { text: 'Paris' });
    fake.replyTo('model-b', { text: 'Lyon' });
    fake.replyTo('referee', {
      text: JSON.stringify({ agree: false, reasons: 'One says Paris, the other Lyon.' }),
    });
    await withBaton(async (baton) => {
      const run = await baton.submit(plan());
      expect((await run.result()).status).toBe('waiting');
      const { record, state } = await baton.getRun(run.runId);
      const view = runView(record, state);
      expect(view.pending).toEqual([
        expect.objectContaining({
          id: 'escalation:capital',
          reason: 'contradiction in "capital": judge "referee" found no agreement: One says Paris, the other Lyon.',
        }),
      ]);
      expect(state.pending.get('escalation:capital')?.detail).toMatchObject({
        votes: [
          { capability: 'model-a', output: 'Paris' },
          { capability: 'model-b', output: 'Lyon' },
        ],
        judge: { capability: 'referee', agree: false, reasons: 'One says Paris, the other Lyon.' },
      });
      const routing = pipelineState(await baton.events(run.runId)).recentRouting.map((event) => event.summary);
      expect(routing).toContain('judge referee on "capital": the votes disagree: One says Paris, the other Lyon.');
    });
  });
});
