import { describe, expect, it } from 'vitest';
import { createBaton, type Plan } from '../../src/index.js';
import { tempDir } from '../support/temp.js';

const gated: Plan = {
  baton: 1,
  name: 'gated',
  phases: ['prep', { id: 'ship', gate: { approval: true } }],
  steps: { build: { skill: 'work', phase: 'prep' }, deploy: { skill: 'work', phase: 'ship', after: ['build'] } },
};

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('resume', () => {
  it('of a run this process conducts returns its handle instead of conducting it twice, lifting a pause when asked', async () => {
    const baton = await createBaton({ home: tempDir() });
    baton.register({ id: 'worker', skills: { work: 1 }, run: () => 'done' });
    const handle = await baton.submit(gated, { wait: true });
    await until(async () => handle.state.pending.size > 0);
    await baton.pause(handle.runId, { by: 'alice' });
    await until(async () => handle.state.paused !== null);
    const again = await baton.resume(handle.runId, { unpause: true, by: 'bob', wait: true });
    expect(again).toBe(handle);
    await until(async () => handle.state.paused === null);
    const events = await baton.events(handle.runId);
    expect(events.filter((e) => e.type === 'run.resumed')).toEqual([]);
    expect(events.filter((e) => e.type === 'run.unpaused').map((e) => e.data)).toEqual([{ by: 'bob' }]);
    await baton.approve(handle.runId, 'ship');
    expect((await handle.result()).status).toBe('succeeded');
    await baton.close();
  });

  it('records who submitted a run and who asked for its resume', async () => {
    const home = tempDir();
    const first = await createBaton({ home });
    first.register({ id: 'worker', skills: { work: 1 }, run: () => 'done' });
    const handle = await first.submit(gated, { by: 'carol' });
    expect((await handle.result()).status).toBe('waiting');
    await first.close();
    const second = await createBaton({ home });
    second.register({ id: 'worker', skills: { work: 1 }, run: () => 'done' });
    const resumed = await second.resume(handle.runId, { by: 'dave', wait: true });
    await second.approve(handle.runId, 'ship', { by: 'erin' });
    expect((await resumed.result()).status).toBe('succeeded');
    const events = await second.events(handle.runId);
    expect(events[0]?.data).toMatchObject({ by: 'carol' });
    expect(events.find((e) => e.type === 'run.resumed')?.data).toMatchObject({ by: 'dave' });
    await second.close();
  });
});
