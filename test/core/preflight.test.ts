import { describe, expect, it } from 'vitest';
import {
  buildRegistry,
  checkPlan,
  formatPreflight,
  preflight,
  type CapabilityDescriptor,
} from '../../src/core/index.js';
import { stepGrant } from '../../src/core/routing.js';

const registered: CapabilityDescriptor[] = [{ id: 'fn', kind: 'function', skills: { work: 0.5 } }];

function report(plan: Record<string, unknown>) {
  const checked = checkPlan({ baton: 1, name: 'pre', ...plan }, (p) => buildRegistry(p, registered));
  return preflight(checked, buildRegistry(checked, registered));
}

const caps = {
  cheap: { kind: 'command', command: ['true'], skills: { gen: 0.6 }, cost_usd: 0.5 },
  strong: { kind: 'command', command: ['true'], skills: { gen: 0.9, review: 0.9 }, cost_usd: 0.7 },
  other: { kind: 'command', command: ['true'], skills: { review: 0.8 }, cost_usd: 0.2 },
  net: { kind: 'command', command: ['true'], skills: { fetch: 1 }, permissions: ['network'] },
  probe: { kind: 'command', command: ['true'], skills: { probe: 1 }, cost_usd: 0.05 },
};

describe('pre-flight', () => {
  it("routes every step as the conductor would at the start, with each candidate's reason and its costs", () => {
    const r = report({
      capabilities: caps,
      constraints: { budget_usd: 10, deadline: '1h', max_parallel: 3, confirm: ['b'] },
      steps: {
        a: { skill: 'gen', retry: { max: 2 }, check: { capability: 'probe' } },
        b: { skill: 'review', after: ['a'], consensus: { n: 2, agree: 'all' } },
        c: { skill: 'gen', after: ['a'], for_each: '[1, 2]' },
        d: { skill: 'gen', after: ['a'], repeat: { until: 'iteration == 3', max: 4 }, when: 'true' },
        e: { await: { signal: 'go' } },
      },
    });
    expect(r.problems).toEqual([]);
    const [a, b, c, d, e] = r.steps;
    expect(a).toMatchObject({
      step: 'a',
      phase: 'main',
      capability: 'strong',
      minUsd: 0.75,
      worstUsd: 2.15,
      arithmetic: '$0.70 x 3 attempts + check $0.05',
      certain: true,
    });
    expect(a?.candidates.map((candidate) => [candidate.capability, candidate.chosen, candidate.reason])).toEqual([
      ['strong', true, expect.stringMatching(/^strongest .*"gen" \(0.9\)$/)],
      ['cheap', false, 'weaker than "strong" (0.6 < 0.9)'],
    ]);
    expect(b).toMatchObject({
      voters: ['strong', 'other'],
      minUsd: 0.9,
      worstUsd: 1.4,
      arithmetic: '$0.70 x 2 votes',
      confirm: true,
    });
    expect(c).toMatchObject({ perItem: true, minUsd: 0.7, worstUsd: 0.7, arithmetic: '$0.70 per item' });
    expect(d).toMatchObject({ certain: false, worstUsd: 2.8, arithmetic: '$0.70 x 4 iterations' });
    expect(e).toMatchObject({ capability: null, awaits: ['go'], minUsd: 0, worstUsd: 0 });
    // The minimum counts what always runs once: not the conditional d, not the per-item c.
    expect(r).toMatchObject({
      minUsd: 1.65,
      worstUsd: 6.35,
      perItemUsd: { c: 0.7 },
      budgetUsd: 10,
      deadline: '1h',
      maxParallel: 3,
      confirmations: ['b'],
    });
    expect(r.notes).toEqual([
      'the worst case $6.35 plus $0.70 per item of c may exceed budget_usd $10.00: attempts that would pass it wait for reservations to settle, or escalate',
    ]);
  });

  it("names a step that cannot be routed, with every candidate's reason", () => {
    const r = report({
      capabilities: caps,
      constraints: { allow: ['command'] },
      steps: { get: { skill: 'fetch' }, calc: { skill: 'work' } },
    });
    expect(r.problems).toEqual([
      'step "get" cannot be routed to an allowed, permitted capability: 0 of 1 capabilities offering "fetch" are allowed, and the step needs 1; candidates: net (command): needs permission "network", which the run does not grant',
      'step "calc" cannot be routed to an allowed, permitted capability: 0 of 1 capabilities offering "work" are allowed, and the step needs 1; candidates: fn (function): kind "function" is not allowed (allow: command)',
    ]);
  });

  it('refuses a minimum cost already over the budget, with the arithmetic', () => {
    const r = report({
      capabilities: caps,
      constraints: { budget_usd: 1 },
      steps: {
        a: { capability: 'cheap' },
        b: { capability: 'strong', after: ['a'] },
        maybe: { capability: 'strong', when: 'false' },
      },
    });
    expect(r.problems).toEqual(['minimum cost $1.20 (a $0.50 + b $0.70) exceeds budget_usd $1.00']);
  });

  it('routes around a capability that costs more than the whole budget, as the conductor would', () => {
    const r = report({ capabilities: caps, constraints: { budget_usd: 0.6 }, steps: { a: { skill: 'gen' } } });
    expect(r.steps[0]).toMatchObject({ capability: 'cheap', minUsd: 0.5 });
    expect(r.steps[0]?.candidates.find((candidate) => candidate.capability === 'strong')?.reason).toBe(
      'costs up to $0.7 per attempt and only $0.6 of the budget is left',
    );
    expect(r.problems).toEqual([]);
  });

  it("shows each step's scope, narrowed by its own, in the report and its text", () => {
    const r = report({
      capabilities: caps,
      constraints: { scope: ['./out', 'api.example.com'] },
      steps: { a: { skill: 'gen' }, b: { skill: 'gen', constraints: { scope: ['./out/b'] } } },
    });
    expect(r.steps.map((step) => [step.step, step.scope])).toEqual([
      ['a', ['./out', 'api.example.com']],
      ['b', ['./out/b']],
    ]);
    expect(formatPreflight(r)).toContain('strongest of 2 capabilities offering "gen" [scope ./out/b]');
    expect(report({ capabilities: caps, steps: { a: { skill: 'gen' } } }).steps[0]?.scope).toBeNull();
  });

  it("checks a step's own budget, and that checks and compensations fit the grant", () => {
    const r = report({
      capabilities: caps,
      steps: {
        a: { capability: 'cheap', constraints: { budget_usd: 0.4 } },
        b: { skill: 'gen', check: { capability: 'net' }, compensate: 'fn', constraints: { allow: ['command'] } },
      },
    });
    expect(r.problems).toEqual([
      'step "a" cannot be routed to an allowed, permitted capability: pinned capability "cheap" costs up to $0.5 per attempt and only $0.4 of the budget is left; candidates: cheap (command): costs up to $0.5 per attempt and only $0.4 of the budget is left',
      'step "b": check.capability "net" needs permission "network", which the run does not grant',
      'step "b": compensate "fn" is of kind "function", which is not allowed (allow: command)',
    ]);
  });

  it('lists phases with their gates and prints an aligned report', () => {
    const r = report({
      capabilities: caps,
      constraints: { budget_usd: 2 },
      phases: ['infrastructure', { id: 'execution', gate: { approval: true } }],
      steps: {
        setup: { skill: 'work', phase: 'infrastructure' },
        run: { skill: 'gen', phase: 'execution', after: ['setup'], confirm: true },
      },
    });
    expect(r.phases).toEqual([
      { id: 'infrastructure', gate: null, onPartial: 'block', steps: ['setup'] },
      { id: 'execution', gate: 'approval by a person', onPartial: 'block', steps: ['run'] },
    ]);
    expect(r.steps[1]).toMatchObject({ phase: 'execution', gate: 'approval by a person' });
    expect(formatPreflight(r)).toBe(
      [
        'pre-flight of "pre"',
        '',
        '  budget        $2.00',
        '  minimum cost  $0.70',
        '  worst case    $0.70',
        '  deadline      none',
        '  max parallel  no limit',
        '',
        'steps',
        '  step   phase           capability  minimum  worst case     why',
        `  setup  infrastructure  fn          $0.00    $0.00 (free)   ${r.steps[0]?.reason}`,
        `  run    execution       strong      $0.70    $0.70 ($0.70)  ${r.steps[1]?.reason} [confirm]`,
        '',
        'phases',
        '  infrastructure  no gate                     on_partial: block  1 step',
        '  execution       gate: approval by a person  on_partial: block  1 step',
        '',
        'confirmations: run',
        '',
        'no problems: the plan can run',
      ].join('\n'),
    );
  });
});

describe('step grant', () => {
  it('a step cannot grant itself a permission the run does not grant', () => {
    expect(stepGrant(undefined, { skill: 'x', constraints: { permissions: ['network'] } }).permissions).toEqual([]);
    expect(
      stepGrant({ permissions: ['network', 'fs:write'] }, { skill: 'x', constraints: { permissions: ['network'] } })
        .permissions,
    ).toEqual(['network']);
    expect(stepGrant({ allow: ['command'] }, { skill: 'x' }).allow).toEqual(['command']);
    expect(stepGrant(undefined, { skill: 'x', constraints: { allow: ['human'] } }).allow).toEqual(['human']);
  });
});
