import { describe, expect, it } from 'vitest';
import {
  buildRegistry,
  checkPlan,
  formatPath,
  formatPreflight,
  planJsonSchema,
  PlanError,
  preflight,
  preflightSchemas,
} from '../../src/core/index.js';

const { PreflightReportSchema } = preflightSchemas();

const capabilities = {
  sh: { kind: 'command', command: ['true'], skills: { build: 1, ship: 1 } },
  sh2: { kind: 'command', command: ['true'], skills: { ship: 0.9 } },
  probe: { kind: 'command', command: ['true'], skills: { probe: 1 } },
};

/** A plan in which every control kind has something to point at: a gated phase, a check, budgets, scopes, a confirmation, a consensus. */
const governed = {
  constraints: { budget_usd: 5, scope: ['./out'], confirm: ['ship'] },
  phases: ['infrastructure', { id: 'execution', gate: { approval: true } }, { id: 'report', gate: { policy: 'true' } }],
  steps: {
    build: { skill: 'build', phase: 'infrastructure', check: { capability: 'probe' } },
    ship: {
      skill: 'ship',
      phase: 'execution',
      after: ['build'],
      consensus: { n: 2, agree: 'all' },
      constraints: { budget_usd: 1, scope: ['./out/release'] },
    },
    tell: { skill: 'build', phase: 'report' },
  },
};

function plan(extra: Record<string, unknown>, base: Record<string, unknown> = governed) {
  return checkPlan({ baton: 1, name: 'risky', capabilities, ...base, ...extra }, (p) => buildRegistry(p));
}

function report(risks: Record<string, unknown>, base?: Record<string, unknown>) {
  const checked = plan({ risks }, base);
  return preflight(checked, buildRegistry(checked));
}

/** The issues of a plan as `path: message` lines (an empty list when it is valid). */
function issues(risks: unknown, base?: Record<string, unknown>): string[] {
  try {
    plan({ risks }, base);
    return [];
  } catch (error) {
    if (error instanceof PlanError) return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
    throw error;
  }
}

const risk = (...controls: unknown[]) => ({ r: { description: 'what could go wrong', controls } });

describe('risk register: validation', () => {
  it('accepts a control of every kind that names what the plan has', () => {
    expect(
      issues({
        all: {
          description: 'everything at once',
          controls: [
            { gate: 'execution' },
            { approval: 'execution' },
            { check: 'build' },
            { budget: true },
            { budget: 'ship' },
            { scope: true },
            { scope: 'ship' },
            { confirm: 'ship' },
            { consensus: 'ship' },
          ],
        },
      }),
    ).toEqual([]);
  });

  it('names the control, the unknown step and the steps there are', () => {
    expect(issues(risk({ check: 'biuld' }))).toEqual([
      'risks.r.controls[0].check: unknown step "biuld" (did you mean "build"?); steps in this plan: build, ship, tell',
    ]);
    expect(issues(risk({ budget: true }, { consensus: 'nope' }))).toEqual([
      'risks.r.controls[1].consensus: unknown step "nope"; steps in this plan: build, ship, tell',
    ]);
  });

  it('names the unknown phase and the phases there are, or says the plan declares none', () => {
    expect(issues(risk({ gate: 'executon' }))).toEqual([
      'risks.r.controls[0].gate: unknown phase "executon" (did you mean "execution"?); phases of this plan: infrastructure, execution, report',
    ]);
    const flat = { steps: { build: { skill: 'build' } } };
    expect(issues(risk({ approval: 'execution' }), flat)).toEqual([
      'risks.r.controls[0].approval: the plan declares no `phases:`, so no phase "execution" can have a gate; declare the phase with a gate under `phases:`',
    ]);
  });

  it('refuses a control listed twice, a control of no known kind or of two kinds, and a risk without a description', () => {
    expect(issues(risk({ check: 'build' }, { check: 'build' }))).toEqual([
      'risks.r.controls[1].check: control { check: build } is listed twice in risk "r"',
    ]);
    const oneOf =
      'a control is one of { gate: PHASE }, { approval: PHASE }, { check: STEP }, { budget: true | STEP }, { scope: true | STEP }, { confirm: STEP }, { consensus: STEP }';
    expect(issues(risk({ chek: 'build' }, { budget: false }, { check: 'build', budget: true }))).toEqual([
      `risks.r.controls[0]: ${oneOf}`,
      `risks.r.controls[1]: ${oneOf}`,
      `risks.r.controls[2]: ${oneOf}`,
    ]);
    expect(issues({ r: { controls: [{ budget: true }] } })[0]).toMatch(/^risks\.r\.description: /);
    expect(issues({ 'bad id': { description: 'x', controls: [] } })[0]).toBe(
      'risks.bad id: "bad id" is not a valid name: a risk id is letters, digits, _, . and - (for example `data-leak` or `R7`)',
    );
  });

  it('is part of the JSON Schema of the plan language', () => {
    const schema = planJsonSchema() as { properties: Record<string, unknown> };
    expect(JSON.stringify(schema.properties.risks)).toContain('"consensus"');
  });
});

describe('risk register: pre-flight', () => {
  it('reports every control of a mitigated risk as present, with what the plan has', () => {
    const r = report({
      all: {
        description: 'everything at once',
        controls: [
          { gate: 'report' },
          { approval: 'execution' },
          { check: 'build' },
          { budget: true },
          { budget: 'ship' },
          { budget: 'build' },
          { scope: true },
          { scope: 'ship' },
          { confirm: 'ship' },
          { consensus: 'ship' },
        ],
      },
    });
    expect(r.problems).toEqual([]);
    expect(r.risks).toEqual([
      {
        id: 'all',
        description: 'everything at once',
        mitigated: true,
        controls: [
          { kind: 'gate', target: 'report', present: true, detail: 'phase "report" is gated by policy `true`' },
          {
            kind: 'approval',
            target: 'execution',
            present: true,
            detail: 'phase "execution" is gated by approval by a person',
          },
          { kind: 'check', target: 'build', present: true, detail: 'step "build" is checked by capability "probe"' },
          { kind: 'budget', target: null, present: true, detail: "the run's budget_usd is $5.00" },
          {
            kind: 'budget',
            target: 'ship',
            present: true,
            detail: 'step "ship" works within its own budget_usd $1.00',
          },
          {
            kind: 'budget',
            target: 'build',
            present: true,
            detail: 'step "build" works within the run\'s budget_usd $5.00',
          },
          { kind: 'scope', target: null, present: true, detail: 'the run may touch only: ./out' },
          { kind: 'scope', target: 'ship', present: true, detail: 'step "ship" may touch only: ./out/release' },
          {
            kind: 'confirm',
            target: 'ship',
            present: true,
            detail: 'step "ship" needs a person\'s yes before it is dispatched',
          },
          {
            kind: 'consensus',
            target: 'ship',
            present: true,
            detail: 'step "ship" runs on 2 capabilities that must agree (all)',
          },
        ],
      },
    ]);
    expect(PreflightReportSchema.safeParse(r).success).toBe(true);
    expect(formatPreflight(r)).toContain('risks\n  all: mitigated — everything at once\n    [x] { gate: report }');
  });

  // Each absent control on its own, so that each kind's absence is shown to refuse the plan by itself.
  const bare = {
    phases: ['infrastructure', 'execution'],
    steps: {
      build: { skill: 'build', phase: 'infrastructure' },
      ship: { skill: 'ship', phase: 'execution', after: ['build'] },
    },
  };
  it.each([
    [{ gate: 'execution' }, 'phase "execution" has no gate'],
    [{ approval: 'execution' }, 'phase "execution" has no gate'],
    [{ check: 'build' }, 'step "build" has no `check`'],
    [{ budget: true }, 'the run has no constraints.budget_usd'],
    [{ budget: 'ship' }, 'neither step "ship" nor the run has constraints.budget_usd'],
    [{ scope: true }, 'the run has no constraints.scope'],
    [{ scope: 'ship' }, 'neither step "ship" nor the run has constraints.scope'],
    [{ confirm: 'ship' }, 'step "ship" needs no confirmation (no `confirm: true`, not in constraints.confirm)'],
    [{ consensus: 'ship' }, 'step "ship" has no `consensus`'],
  ])('refuses %j when the plan does not have it', (control, missing) => {
    const r = report(risk(control), bare);
    const [kind, target] = Object.entries(control)[0] as [string, string | true];
    expect(r.risks[0]?.mitigated).toBe(false);
    expect(r.risks[0]?.controls).toEqual([
      { kind, target: target === true ? null : target, present: false, detail: missing },
    ]);
    expect(r.problems).toEqual([
      `risk "r": control { ${kind}: ${String(target)} } is not present: ${missing}; add it to the plan, or take it out of the risk's controls`,
    ]);
  });

  it('refuses an approval control on a phase gated otherwise, and says by what', () => {
    const r = report(risk({ approval: 'report' }));
    expect(r.problems).toEqual([
      'risk "r": control { approval: report } is not present: phase "report" is gated by policy `true`, not by a person\'s approval; add it to the plan, or take it out of the risk\'s controls',
    ]);
  });

  it('refuses a risk whose controls are partly missing, naming only the missing one', () => {
    const r = report(risk({ check: 'build' }, { consensus: 'tell' }));
    expect(r.risks[0]?.controls.map((control) => control.present)).toEqual([true, false]);
    expect(r.problems).toEqual([
      'risk "r": control { consensus: tell } is not present: step "tell" has no `consensus`; add it to the plan, or take it out of the risk\'s controls',
    ]);
  });

  it('refuses a risk that lists no control', () => {
    const r = report({ orphan: { description: 'nobody watches this', controls: [] } });
    expect(r.risks).toEqual([{ id: 'orphan', description: 'nobody watches this', controls: [], mitigated: false }]);
    expect(r.problems).toEqual([
      'risk "orphan": no control mitigates it; list under risks.orphan.controls at least one of this plan\'s gate, approval, check, budget, scope, confirm, consensus',
    ]);
    expect(formatPreflight(r)).toContain('  orphan: NOT MITIGATED — nobody watches this\n    [ ] no control listed');
  });

  it('leaves a plan without risks as it was: no register, no problems', () => {
    const r = report({});
    expect(r.risks).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(formatPreflight(r)).not.toContain('risks');
  });
});
