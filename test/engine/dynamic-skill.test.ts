import { describe, expect, it } from 'vitest';
import { createBaton } from '../../src/index.js';
import { renderRoutingLogMarkdown, replayLedger, routingLog } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

describe('dynamic skill on the embedded SQLite store', () => {
  it('routes each item to the capability offering the skill it names, and the routing log shows every item', async () => {
    const baton = await createBaton({ home: tempDir(), concurrency: 4 });
    baton.register({ id: 'translator', skills: { translate: 0.9 }, run: (text: string) => `translated ${text}` });
    baton.register({ id: 'summarizer', skills: { summarize: 0.8 }, run: (text: string) => `summary of ${text}` });
    const run = await baton.submit({
      baton: 1,
      name: 'fan-out',
      steps: {
        tasks: {
          for_each: '[{"skill": "translate", "text": "hola"}, {"skill": "summarize", "text": "a report"}]',
          skill: '{{ item.skill }}',
          input: '{{ item.text }}',
        },
      },
    });
    const result = await run.result();
    expect(result).toMatchObject({
      status: 'succeeded',
      outputs: { tasks: ['translated hola', 'summary of a report'] },
    });
    const events = await baton.events(run.runId);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    const [entry] = routingLog(events);
    expect(entry?.items?.map((item) => [item.instance, item.skill, item.capability])).toEqual([
      ['tasks[0]', 'translate', 'translator'],
      ['tasks[1]', 'summarize', 'summarizer'],
    ]);
    expect(entry?.attempts.map((attempt) => [attempt.attemptId, attempt.outcome])).toEqual([
      ['tasks[0]/a1', 'succeeded'],
      ['tasks[1]/a1', 'succeeded'],
    ]);
    expect(renderRoutingLogMarkdown(run.runId, routingLog(events))).toContain(
      '`tasks[1]` skill `summarize` → **summarizer**',
    );
    await baton.close();
  });
});
