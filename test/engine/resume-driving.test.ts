import { describe, expect, it } from 'vitest';
import { createBaton, plan } from '../../src/index.js';
import { tempDir } from '../support/temp.js';

describe('resume of a run this process is conducting', () => {
  it('returns the run being conducted instead of starting a second engine that would redo its work in flight', async () => {
    const baton = await createBaton({ home: tempDir() });
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    baton.register({
      id: 'slow',
      skills: { work: 1 },
      run: async () => {
        calls += 1;
        await gate;
        return 'done';
      },
    });
    const run = await baton.submit(plan('slow').step('only', { skill: 'work' }).build());
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await baton.resume(run.runId);
    expect(again).toBe(run);
    release();
    expect((await again.result()).status).toBe('succeeded');
    expect(calls).toBe(1);
    expect((await baton.events(run.runId)).map((event) => event.type)).not.toContain('run.resumed');
    await baton.close();
  });
});
