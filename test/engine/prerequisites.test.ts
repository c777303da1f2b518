import { afterEach, describe, expect, it } from 'vitest';
import { createBaton, type Baton, type Plan } from '../../src/index.js';
import { tempDir } from '../support/temp.js';

/** A run of the plan named `control` that writes record/cp.md, sealed or not. */
function controlPlan(seal: boolean): Plan {
  return { baton: 1, name: 'control', steps: { record: { skill: 'write', seal } } } as Plan;
}

/** `build` then `ship`, whose gate requires `artifact` of `run`. */
function dependentPlan(run: string, artifact = 'record/cp.md'): Plan {
  return {
    baton: 1,
    name: 'dependent',
    phases: ['build', { id: 'ship', gate: { all: [{ requires: { run, artifact, sealed: true } }] } }],
    steps: {
      build: { skill: 'work', phase: 'build', input: 'built' },
      deploy: { skill: 'work', phase: 'ship', after: ['build'], input: 'deployed' },
    },
  } as Plan;
}

const open: Baton[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((baton) => baton.close()));
});

async function workspace(): Promise<Baton> {
  const baton = await createBaton({ home: tempDir() });
  open.push(baton);
  baton.register({ id: 'worker', skills: { work: 1 }, run: (input: unknown) => input });
  baton.register({
    id: 'writer',
    skills: { write: 1 },
    run: async (_input: unknown, context) => {
      await context.writeArtifact('cp.md', '# CP\n');
      return { written: true };
    },
  });
  return baton;
}

async function types(baton: Baton, runId: string): Promise<string[]> {
  return (await baton.store.readEvents(runId)).map((event) => event.type);
}

describe('cross-run prerequisites in the engine', () => {
  it('NAME@latest is the newest run of that plan: an unsealed artifact there refuses the run, and nothing is written', async () => {
    const baton = await workspace();
    await (await baton.submit(controlPlan(true), { runId: 'cp-a' })).result();
    await (await baton.submit(controlPlan(false), { runId: 'cp-b' })).result();
    await expect(baton.submit(dependentPlan('control@latest'), { runId: 'dep-1' })).rejects.toThrow(
      'pre-flight: the gate of "ship" requires record/cp.md of run control@latest: artifact record/cp.md of run cp-b is not sealed; nothing was written',
    );
    await expect(baton.submitDetached(dependentPlan('control@latest'), { runId: 'dep-1' })).rejects.toThrow(
      'is not sealed',
    );
    expect(await baton.store.getRun('dep-1')).toBeUndefined();
    await expect(baton.submit(dependentPlan('cp-a', 'record/none.md'))).rejects.toThrow(
      'run cp-a has no artifact record/none.md',
    );
    await expect(baton.submit(dependentPlan('cp-z'))).rejects.toThrow('there is no run "cp-z"');
  });

  it('a run id names its run: checked at pre-flight and again at the gate, both recorded, then the phase opens', async () => {
    const baton = await workspace();
    await (await baton.submit(controlPlan(true), { runId: 'cp-a' })).result();
    await (await baton.submit(controlPlan(false), { runId: 'cp-b' })).result();
    const result = await (await baton.submit(dependentPlan('cp-a'), { runId: 'dep-2' })).result();
    expect(result.status).toBe('succeeded');
    const events = await baton.store.readEvents('dep-2');
    expect((await types(baton, 'dep-2')).slice(0, 2)).toEqual(['run.created', 'prerequisite.checked']);
    const checks = events.flatMap((event) => (event.type === 'prerequisite.checked' ? [event.data] : []));
    expect(checks.map(({ stage, ok, runId }) => ({ stage, ok, runId }))).toEqual([
      { stage: 'preflight', ok: true, runId: 'cp-a' },
      { stage: 'gate', ok: true, runId: 'cp-a' },
    ]);
    // The gate's check comes after the phase before it completed, and before the phase opened.
    const at = (predicate: (event: (typeof events)[number]) => boolean) => events.findIndex(predicate);
    const buildDone = at((event) => event.type === 'step.succeeded' && event.data.step === 'build');
    const gateCheck = at((event) => event.type === 'prerequisite.checked' && event.data.stage === 'gate');
    const opened = at((event) => event.type === 'phase.opened' && event.data.phase === 'ship');
    expect(buildDone).toBeLessThan(gateCheck);
    expect(gateCheck).toBeLessThan(opened);
    expect((await baton.verify('dep-2')).ok).toBe(true);
  });

  it('a detached submission records its pre-flight checks with run.created', async () => {
    const baton = await workspace();
    await (await baton.submit(controlPlan(true), { runId: 'cp-a' })).result();
    await baton.submitDetached(dependentPlan('control@latest'), { runId: 'dep-3' });
    expect(await types(baton, 'dep-3')).toEqual(['run.created', 'prerequisite.checked']);
  });
});
