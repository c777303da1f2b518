import { describe, expect, it } from 'vitest';
import { createBaton, NotFoundError, plan } from '../../src/index.js';
import { tempDir } from '../support/temp.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');

async function open() {
  return createBaton({ home: tempDir(), now: () => NOW });
}

function badInput(pattern: RegExp) {
  return { code: 'bad_input', message: expect.stringMatching(pattern) as unknown };
}

describe('workspace context', () => {
  it('records trimmed objectives and insights, completes an objective, and shows them with the recent runs', async () => {
    const baton = await open();
    baton.register({ id: 'echo', skills: { echo: 1 }, run: (x: unknown) => x });
    const run = await baton.submit(plan('p').step('a', { skill: 'echo' }).build());
    await run.result();

    expect(await baton.addObjective('  Ship 1.0\n')).toMatchObject({
      id: 'obj-1',
      text: 'Ship 1.0',
      status: 'open',
      createdAt: '2026-03-01T12:00:00.000Z',
    });
    expect(await baton.addInsight('caching halves the build', { runId: run.runId })).toMatchObject({
      id: 'ins-1',
      runId: run.runId,
      status: 'recorded',
    });
    await baton.addObjective('Cut build time');
    expect(await baton.completeObjective('obj-2', ' 9m40s ')).toMatchObject({
      id: 'obj-2',
      status: 'complete',
      outcome: '9m40s',
      completedAt: '2026-03-01T12:00:00.000Z',
    });

    const context = await baton.context();
    expect(context.objectives.map((o) => [o.id, o.status])).toEqual([
      ['obj-1', 'open'],
      ['obj-2', 'complete'],
    ]);
    expect(context.insights.map((i) => i.id)).toEqual(['ins-1']);
    expect(context.runs.map((r) => [r.runId, r.status])).toEqual([[run.runId, 'succeeded']]);
    await baton.close();
  });

  it('refuses bad input with what is wrong, and writes nothing', async () => {
    const baton = await open();
    await expect(baton.addObjective(' \n\t')).rejects.toMatchObject(badInput(/^objective text is empty/));
    await expect(baton.addInsight('')).rejects.toMatchObject(badInput(/^insight text is empty/));
    await expect(baton.addInsight('x'.repeat(10_001))).rejects.toMatchObject(
      badInput(/^insight text is 10,001 characters long; at most 10,000/),
    );
    await expect(baton.addObjective('fine', { runId: 'run-nope' })).rejects.toThrow(
      new NotFoundError('run "run-nope"'),
    );
    expect(await baton.context()).toMatchObject({ objectives: [], insights: [] });

    await baton.addObjective('Ship 1.0');
    await expect(baton.completeObjective('1', 'done')).rejects.toMatchObject(
      badInput(/^"1" is not an objective id; objective ids look like obj-N/),
    );
    await expect(baton.completeObjective('obj-1', '   ')).rejects.toMatchObject(badInput(/^outcome is empty/));
    await expect(baton.completeObjective('obj-7', 'done')).rejects.toThrow(new NotFoundError('objective "obj-7"'));
    expect((await baton.context()).objectives).toMatchObject([{ id: 'obj-1', status: 'open', outcome: null }]);

    await baton.completeObjective('obj-1', 'shipped');
    await expect(baton.completeObjective('obj-1', 'again')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/^objective "obj-1" is already complete/),
    });
    await baton.close();
  });
});
