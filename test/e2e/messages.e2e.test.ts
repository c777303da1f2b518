import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';

function planFile(text: string): string {
  const file = join(tempDir(), 'plan.yaml');
  writeFileSync(file, text);
  return file;
}

describe('what the CLI says', () => {
  it('resume after an approval says the approval is why it continues, not a crash', () => {
    const home = tempDir();
    expect(baton(['run', 'examples/governance/approval.yaml', '--run-id', 'release-9'], { home }).code).toBe(4);
    expect(baton(['approve', 'release-9', 'execution', '--by', 'alice'], { home }).code).toBe(0);
    const resumed = baton(['resume', 'release-9'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed by .*: continued after gate:execution was approved by \S*alice/);
    expect(resumed.stdout).not.toContain('interruption or a crash');
  });

  it('seal says what resume would do in one finished sentence', () => {
    const home = tempDir();
    const plan = planFile(`baton: 1
name: build
capabilities:
  sh:
    kind: command
    command: [sh, -c, 'printf v1 > "$BATON_ARTIFACTS_DIR/app.tar"']
    skills: { build: 1 }
steps:
  build: { skill: build }
`);
    expect(baton(['run', plan, '--run-id', 'built-1'], { home }).code).toBe(0);
    const sealed = baton(['seal', 'built-1', 'build/app.tar'], { home });
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(sealed.stdout.split('\n')[1]).toBe(
      '  the engine conducting the run takes it in; if none is and the run has not ended, baton resume built-1 continues it',
    );
  });

  it('baton log shows a step escalated after it failed as escalated, waiting on a person', () => {
    const home = tempDir();
    const plan = planFile(`baton: 1
name: escalating
capabilities:
  sh:
    kind: command
    command: [node, -e, 'process.exit(3)']
    skills: { work: 1 }
steps:
  risky: { skill: work, on_failure: escalate }
`);
    expect(baton(['run', plan, '--run-id', 'esc-1'], { home }).code).toBe(4);
    const log = baton(['log', 'esc-1'], { home });
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout).toContain('outcome: escalated: waiting on a person  [risky/a1 failed');
    const json = JSON.parse(baton(['log', 'esc-1', '--json'], { home }).stdout) as { step: string; outcome: string }[];
    expect(json.map((entry) => [entry.step, entry.outcome])).toEqual([['risky', 'escalated']]);
  });

  it("after revise, baton state no longer lists the old plan's gate decision as pending", () => {
    const home = tempDir();
    expect(baton(['run', 'examples/governance/approval.yaml', '--run-id', 'release-10'], { home }).code).toBe(4);
    const ungated = planFile(
      `baton: 1
name: approval
objective: Prepare a release, and ship it.
phases: [infrastructure, execution]
capabilities:
  builder: { kind: command, command: [node, examples/scripts/work.mjs], skills: { build: 1 } }
  shipper: { kind: command, command: [node, examples/scripts/work.mjs], skills: { ship: 1 } }
steps:
  build: { phase: infrastructure, skill: build, input: { artifact: app.tar } }
  ship: { phase: execution, skill: ship, after: [build], input: { artifact: "{{ steps.build.output.artifact }}", target: production } }
`,
    );
    const revise = baton(['revise', 'release-10', ungated], { home });
    expect(revise.code, revise.stderr).toBe(0);
    const state = JSON.parse(baton(['state', 'release-10', '--json'], { home }).stdout) as { pending: unknown[] };
    expect(state.pending).toEqual([]);
  });
});
