import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RiskView } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';
import { baton, type CliResult } from './cli.js';

const RISKS = 'examples/governance/risks.yaml';
const REFUSED = 'examples/governance/risks-refused.yaml';
const MISSING =
  'risk "broken-release": control { check: build } is not present: step "build" has no `check`; add it to the plan, or take it out of the risk\'s controls';

function expectCode(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

describe('the risk register from the command line', () => {
  it('refuses a plan whose risk names a missing control: exit 2, the risk and the control named, no workspace written', () => {
    const home = join(tempDir(), 'never-created');
    const run = baton(['run', REFUSED], { home });
    expectCode(run, 2);
    expect(run.stderr).toBe(`baton: pre-flight refused plan "risks-refused":\n  - ${MISSING}\n`);
    expect(existsSync(home)).toBe(false);

    const dry = baton(['run', REFUSED, '--dry-run'], { home });
    expectCode(dry, 2);
    expect(dry.stdout).toContain(
      'risks\n  broken-release: NOT MITIGATED — A release that does not work is published.\n    [ ] { check: build }  step "build" has no `check`',
    );
    const json = baton(['run', REFUSED, '--dry-run', '--json'], { home });
    expect((JSON.parse(json.stdout) as { problems: string[] }).problems).toEqual([MISSING]);
    expect(existsSync(home)).toBe(false);
  });

  it('runs the example whose risks are all mitigated; `baton state` shows each risk with its controls', () => {
    const home = tempDir();
    expectCode(baton(['validate', RISKS], { home }), 0);
    expectCode(baton(['run', RISKS, '--run-id', 'release-risks'], { home }), 0);

    const json = baton(['state', 'release-risks', '--json'], { home });
    expectCode(json, 0);
    expect((JSON.parse(json.stdout) as { risks: RiskView[] }).risks).toEqual([
      {
        id: 'broken-release',
        description: 'A release that does not work is published.',
        mitigated: true,
        controls: [
          { kind: 'check', target: 'build', present: true, detail: 'step "build" is checked by capability "tester"' },
          {
            kind: 'gate',
            target: 'execution',
            present: true,
            detail: 'phase "execution" is gated by evidence: build succeeded',
          },
        ],
      },
      {
        id: 'overspend',
        description: 'Retries or a pricier capability run up the bill.',
        mitigated: true,
        controls: [
          { kind: 'budget', target: null, present: true, detail: "the run's budget_usd is $1.00" },
          {
            kind: 'budget',
            target: 'publish',
            present: true,
            detail: 'step "publish" works within its own budget_usd $0.30',
          },
        ],
      },
    ]);

    const text = baton(['state', 'release-risks'], { home });
    expectCode(text, 0);
    expect(text.stdout).toContain(
      'risks\n  broken-release: mitigated — A release that does not work is published.\n    [x] { check: build }  step "build" is checked by capability "tester"\n',
    );
    const status = baton(['status', 'release-risks', '--json'], { home });
    expect((JSON.parse(status.stdout) as { risks: RiskView[] }).risks.map((risk) => risk.id)).toEqual([
      'broken-release',
      'overspend',
    ]);
  });
});
