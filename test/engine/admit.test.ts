import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, PlanError } from '../../src/core/index.js';
import { admit, createBaton, isAdmitted, refuseUnfit } from '../../src/engine/index.js';

const TEXT = `baton: 1
name: admitted
inputs:
  n: { type: integer, default: 1 }
capabilities:
  reviewer: { kind: human, skills: { review: 1 }, cost_usd: 2 }
steps:
  review: { skill: review, input: "{{ inputs.n }}" }
`;

function planFile(text = TEXT): string {
  const file = join(mkdtempSync(join(tmpdir(), 'baton-admit-')), 'plan.yaml');
  writeFileSync(file, text);
  return file;
}

describe('admitting a run (admit): the plan, its registry, inputs and pre-flight, once', () => {
  it('reads a file, parses text and validates data to the same admitted run', async () => {
    const fromFile = await admit({ file: planFile() }, { inputText: { n: '3' } }, []);
    const fromText = await admit({ text: TEXT }, { inputs: { n: 3 } }, []);
    expect(fromText.planHash).toBe(fromFile.planHash);
    expect(fromText.inputs).toEqual({ n: 3 });
    expect(fromFile.inputs).toEqual({ n: 3 });
    expect(Object.keys(fromText.registry)).toEqual(['reviewer']);
    expect(fromText.preflight.worstUsd).toBe(2);
    const fromData = await admit({ data: fromText.plan }, {}, []);
    expect(fromData.inputs).toEqual({ n: 1 });
    expect(isAdmitted(fromData)).toBe(true);
    expect(isAdmitted({ ...fromData.plan })).toBe(false);
  });

  it('never takes a path for plan text or plan text for a path', async () => {
    const file = planFile();
    const asText = await admit({ text: file }, {}, []).catch((error: unknown) => error);
    expect(asText).toBeInstanceOf(PlanError);
    const asFile = await admit({ file: TEXT }, {}, []).catch((error: unknown) => error);
    expect(String(asFile)).toContain('cannot read plan file');
  });

  it('refuses bad inputs at admission, and a plan whose pre-flight has problems at refuseUnfit', async () => {
    await expect(admit({ text: TEXT }, { inputs: { n: 'x' } }, [])).rejects.toBeInstanceOf(InputError);
    const broke = await admit({ text: `${TEXT}constraints: { budget_usd: 1 }\n` }, {}, []);
    expect(broke.preflight.problems.join('\n')).toMatch(/budget/);
    expect(() => refuseUnfit(broke)).toThrow(/pre-flight refused plan "admitted"/);
  });

  it('starts a run from an admitted plan with what was admitted', async () => {
    const home = mkdtempSync(join(tmpdir(), 'baton-admit-home-'));
    const baton = await createBaton({ home });
    try {
      const run = await baton.admit({ text: TEXT, name: 'request' }, { inputs: { n: 7 } });
      const handle = await baton.submit(run);
      await expect(handle.result()).resolves.toMatchObject({ status: 'waiting' });
      const [created] = await baton.events(handle.runId);
      expect(created).toMatchObject({ type: 'run.created', data: { planHash: run.planHash, inputs: { n: 7 } } });
      const text = await baton.admit({ text: 'baton: 1\nname: [', name: 'request' }).catch((error: unknown) => error);
      expect(String(text)).toMatch(/^PlanError: invalid plan:\n {2}request:2:/);
    } finally {
      await baton.close();
    }
  });
});
