import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, ROOT } from './cli.js';

const EXAMPLE = join(ROOT, 'examples/patterns/sub-plan.yaml');

describe('baton with sub-plans', () => {
  it('runs a sub-plan as a child run; `status` shows the tree, `--json` has it, `verify` passes on both', () => {
    const home = tempDir();
    const run = baton(['run', EXAMPLE, '--json'], { home });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { runId: string; outputs: { team: { runId: string; status: string } } };
    const childId = result.outputs.team.runId;
    expect(childId).toBe(`${result.runId}.team-a1`);
    expect(result.outputs.team.status).toBe('succeeded');

    const status = baton(['status', result.runId], { home });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`sub-plans\n  team -> run ${childId} (team): succeeded\n`);
    const json = JSON.parse(baton(['status', result.runId, '--json'], { home }).stdout) as { subPlans: unknown };
    expect(json.subPlans).toEqual([
      { step: 'team', attemptId: 'team/a1', runId: childId, name: 'team', status: 'succeeded', children: [] },
    ]);

    const child = baton(['status', childId, '--json'], { home });
    const childView = JSON.parse(child.stdout) as { parent: { runId: string; step: string } };
    expect(childView.parent).toMatchObject({ runId: result.runId, step: 'team', attemptId: 'team/a1' });
    expect(baton(['status', childId], { home }).stdout).toContain(`sub-plan of run ${result.runId}, step team`);

    for (const id of [result.runId, childId]) {
      const verify = baton(['verify', id], { home });
      expect(verify.code, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/ledger verified/);
    }
  });

  it('refuses, writing nothing, a plan whose sub-plan file is missing or runs the plan itself', () => {
    const home = tempDir();
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const missing = join(dir, 'missing.yaml');
    writeFileSync(missing, 'baton: 1\nname: m\nsteps:\n  team:\n    plan: ./nowhere.yaml\n');
    const refused = baton(['run', missing], { home });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('steps.team.plan: sub-plan "./nowhere.yaml": cannot read plan file');
    expect(refused.stderr).toContain('no such file');

    const loop = join(dir, 'loop.yaml');
    writeFileSync(loop, 'baton: 1\nname: loop\nsteps:\n  again:\n    plan: ./loop.yaml\n');
    const cycle = baton(['run', loop], { home });
    expect(cycle.code).toBe(2);
    expect(cycle.stderr).toContain('steps.again.plan: sub-plan "./loop.yaml" is a plan this one runs within');
    expect(baton(['status', '--json'], { home }).stdout.trim()).toBe('[]');
  });
});
