import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';

// `second` reads `risk`, which `first`'s output does not have: its `when` cannot be evaluated.
const PLAN = `baton: 1
name: risk
capabilities:
  scorer:
    kind: command
    command: [node, -e, "process.stdout.write(JSON.stringify({ score: 1 }))"]
    skills: { score: 1 }
steps:
  first:
    skill: score
  second:
    skill: score
    after: [first]
    when: steps.first.output.risk > 3
    on_failure: escalate
  third:
    skill: score
    after: [second]
`;

describe('an expression that cannot be evaluated, from the command line', () => {
  it('stops the run for a person (exit 4) with the evaluation error, in the ledger; a submitted result lets it finish', () => {
    const home = tempDir();
    const plan = join(tempDir(), 'risk.yaml');
    writeFileSync(plan, PLAN);
    const run = baton(['run', plan, '--run-id', 'risk-1'], { home });
    expect(run.code, run.stdout + run.stderr).toBe(4);
    const reason = 'cannot evaluate an expression of "second": when `steps.first.output.risk > 3`: No such key: risk';
    expect(run.stdout).toContain(`? escalation:second (escalation): ${reason}`);
    const events = baton(['status', 'risk-1', '--json'], { home });
    const state = JSON.parse(events.stdout) as {
      status: string;
      pending: { id: string; reason: string }[];
      steps: { step: string; status: string }[];
    };
    expect(state.pending).toMatchObject([{ id: 'escalation:second', reason }]);
    expect(state.steps.map((step) => step.status)).toEqual(['succeeded', 'escalated', 'waiting']);
    expect(baton(['submit', 'risk-1', 'second', '--output', '{"risk": 5}'], { home }).code).toBe(0);
    const resumed = baton(['resume', 'risk-1', '--json'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      status: 'succeeded',
      outputs: { second: { risk: 5 }, third: { score: 1 } },
    });
  });
});
