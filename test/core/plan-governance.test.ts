import { describe, expect, it } from 'vitest';
import { buildRegistry, checkPlan, formatPath, PlanError } from '../../src/core/index.js';

const capabilities = {
  sh: { kind: 'command', command: ['true'], skills: { build: 1, test: 0.5 } },
  sh2: { kind: 'command', command: ['true'], skills: { build: 0.8 } },
  server: { kind: 'command', command: ['true'], skills: { serve: 1 } },
};

/** The issues of a plan as `path: message` lines (an empty list when it is valid). */
function issues(plan: Record<string, unknown>): string[] {
  try {
    checkPlan({ baton: 1, name: 'x', capabilities, ...plan }, (p) => buildRegistry(p));
    return [];
  } catch (error) {
    if (error instanceof PlanError) return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw error;
  }
}

describe('plan validation: phases', () => {
  it('accepts a governed plan using every construct', () => {
    expect(
      issues({
        constraints: { budget_usd: 5, allow: ['command'], permissions: ['network'], confirm: ['deploy'] },
        phases: [
          'infrastructure',
          { id: 'execution', gate: { evidence: { checks: ['setup'], artifacts: ['setup/report.json'] } } },
          { id: 'report', gate: { policy: "steps.deploy.status == 'succeeded'" } },
        ],
        steps: {
          setup: {
            skill: 'build',
            phase: 'infrastructure',
            builds: ['serve'],
            check: { capability: 'sh' },
            seal: true,
          },
          deploy: {
            skill: 'serve',
            phase: 'execution',
            after: ['setup'],
            compensate: 'sh',
            constraints: { permissions: [] },
          },
          review: {
            skill: 'build',
            phase: 'execution',
            after: ['deploy'],
            consensus: { n: 2, agree: 'all', compare: 'a == b' },
          },
          publish: { skill: 'test', phase: 'report', after: ['review'] },
        },
      }),
    ).toEqual([]);
  });

  it('names an unknown phase with a suggestion', () => {
    expect(
      issues({ phases: ['infrastructure', 'execution'], steps: { a: { skill: 'build', phase: 'executoin' } } }),
    ).toEqual([
      'steps.a.phase: unknown phase "executoin" (did you mean "execution"?); phases from the plan\'s `phases`: infrastructure, execution',
    ]);
  });

  it("without `phases:`, a step's phase is one of the defaults", () => {
    expect(
      issues({ steps: { a: { skill: 'build', phase: 'deploy' }, b: { skill: 'build', phase: 'execution' } } }),
    ).toEqual([
      'steps.a.phase: unknown phase "deploy"; phases from the default phases (the plan has no `phases:`): infrastructure, execution',
    ]);
  });

  it('fails closed: once phases are used, every step names its phase', () => {
    expect(issues({ phases: ['one'], steps: { a: { skill: 'build', phase: 'one' }, b: { skill: 'build' } } })).toEqual([
      'steps.b: step "b" names no phase, and this plan uses phases (one): add `phase:` with one of them (steps are never put in a phase by guess)',
    ]);
    expect(issues({ steps: { a: { skill: 'build', phase: 'infrastructure' }, b: { skill: 'build' } } })[0]).toMatch(
      /^steps.b: step "b" names no phase, and this plan uses phases \(infrastructure, execution\)/,
    );
  });

  it('refuses a step that runs after a step of a later phase, and a phase listed twice', () => {
    expect(
      issues({
        phases: ['one', 'two', { id: 'one' }],
        steps: { a: { skill: 'build', phase: 'two' }, b: { skill: 'build', phase: 'one', after: { any: ['a'] } } },
      }),
    ).toEqual([
      'phases[2].id: phase "one" is listed twice; each phase id must be unique',
      'steps.b.after.any[0]: "b" (phase "one") runs after "a" (phase "two"), a later phase that opens only once "one" is complete; a step may run after steps of its own or an earlier phase',
    ]);
  });
});

describe('plan validation: gates and confirmations', () => {
  it('gate evidence and constraints.confirm name existing steps of earlier phases', () => {
    expect(
      issues({
        constraints: { confirm: ['deplyo'] },
        phases: [
          'one',
          { id: 'two', gate: { evidence: { checks: ['b', 'nope'], artifacts: ['a/x.txt', 'loose.txt'] } } },
        ],
        steps: { a: { skill: 'build', phase: 'one' }, b: { skill: 'build', phase: 'two' } },
      }),
    ).toEqual([
      'constraints.confirm[0]: unknown step "deplyo"; steps in this plan: a, b',
      'phases[1].gate.evidence.checks[0]: the gate needs step "b", which is in phase "two": it cannot run before the gate of "two" opens; a gate can only look at steps of earlier phases',
      'phases[1].gate.evidence.checks[1]: unknown step "nope"; steps in this plan: a, b',
      'phases[1].gate.evidence.artifacts[1]: artifact "loose.txt" is not named STEP/FILE (e.g. "build/report.json")',
    ]);
  });

  it('a policy compiles in its scope, gives true or false, and reads steps of earlier phases', () => {
    const policy = (expression: string) =>
      issues({
        phases: ['one', { id: 'two', gate: { policy: expression } }],
        steps: { a: { skill: 'build', phase: 'one' }, b: { skill: 'build', phase: 'two' } },
      });
    expect(policy('budget.spent < 2.0 && phases.one == "ready" && steps.a.output.ok')).toEqual([]);
    expect(policy('item > 1')[0]).toMatch(
      /^phases\[1\].gate.policy: expression `item > 1` does not type-check: .*Unknown variable: item \(in scope here: inputs, steps, context, budget, phases\)$/,
    );
    expect(policy('1 + 1')).toEqual([
      'phases[1].gate.policy: expression `1 + 1` gives int; a policy must give true or false',
    ]);
    expect(policy('steps.b.output.ok')).toEqual([
      'phases[1].gate.policy: `steps.b.output.ok` reads step "b", which is in phase "two": it cannot run before the gate of "two" opens; a gate can only look at steps of earlier phases',
    ]);
  });
});

describe('plan validation: capabilities a step names', () => {
  it('compensate and check name capabilities in the registry', () => {
    expect(issues({ steps: { a: { skill: 'build', compensate: 'undo', check: { capability: 'sh3' } } } })).toEqual([
      'steps.a.compensate: unknown capability "undo"; known: sh, sh2, server',
      'steps.a.check.capability: unknown capability "sh3" (did you mean "sh"?); known: sh, sh2, server',
    ]);
  });

  it('a built skill is offered by some capability, built by one step, and used after it', () => {
    expect(issues({ steps: { a: { skill: 'build', builds: ['cache'] } } })).toEqual([
      'steps.a.builds[0]: no capability offers skill "cache", so building it makes nothing routable; declare the capability that will offer it once "a" succeeded',
    ]);
    expect(
      issues({
        steps: {
          a: { skill: 'build', builds: ['serve'] },
          b: { skill: 'build', builds: ['serve'] },
          c: { skill: 'serve', after: ['a', 'b'] },
        },
      }),
    ).toEqual(['steps.b.builds[0]: skill "serve" is already built by step "a"; one step builds a skill']);
    expect(issues({ steps: { a: { skill: 'build', builds: ['serve'] }, b: { skill: 'serve' } } })).toEqual([
      'steps.b.skill: skill "serve" is built by step "a", and "b" may start before it succeeded; add "a" to `after`',
    ]);
    expect(
      issues({
        phases: ['one', 'two'],
        steps: { a: { skill: 'build', phase: 'two', builds: ['serve'] }, b: { skill: 'serve', phase: 'one' } },
      }),
    ).toEqual([
      'steps.b.skill: skill "serve" is built by "a" in phase "two", which opens after "b"\'s phase "one"; move "b" to phase "two" or later',
    ]);
  });
});

describe('plan validation: consensus and step constraints', () => {
  it('consensus needs as many capabilities as votes, and a compare expression that compiles', () => {
    expect(
      issues({ steps: { a: { skill: 'build', consensus: { n: 3, agree: 'all', compare: 'a.x == c' } } } }),
    ).toEqual([
      'steps.a.consensus.n: consensus needs 3 distinct capabilities offering "build", but only 2 do (sh, sh2); n can be at most 2',
      expect.stringMatching(
        /^steps.a.consensus.compare: expression `a.x == c` does not type-check: .*Unknown variable: c \(in scope here: a, b\); compare is `exact`, `json`, `judge`, `\{ judge: SKILL \}` or a CEL expression over `a` and `b`$/,
      ),
    ]);
  });

  it("a step can only narrow the run's allow list and permissions", () => {
    expect(
      issues({
        constraints: { allow: ['command'], permissions: ['network'] },
        steps: {
          a: { skill: 'build', constraints: { allow: ['command', 'human'], permissions: ['network', 'fs:write'] } },
        },
      }),
    ).toEqual([
      "steps.a.constraints.allow[1]: \"human\" is not in the run's constraints.allow (command); a step's constraints can only narrow the run's",
      "steps.a.constraints.permissions[1]: \"fs:write\" is not in the run's constraints.permissions (network); a step's constraints can only narrow the run's",
    ]);
    // A run that lists no kinds allows every kind, so a step's list narrows it; one that lists no permissions grants none.
    expect(issues({ steps: { a: { skill: 'build', constraints: { allow: ['command'] } } } })).toEqual([]);
    expect(issues({ steps: { a: { skill: 'build', constraints: { permissions: ['network'] } } } })).toEqual([
      "steps.a.constraints.permissions[0]: the run grants no permissions (it has no constraints.permissions); a step's constraints can only narrow the run's",
    ]);
  });
});
