import { describe, expect, it } from 'vitest';
import {
  buildRegistry,
  EMPTY_CONTEXT,
  parsePlan,
  PlanError,
  planReadsContext,
  type BatonEvent,
  type ContextSnapshot,
  type PlanIssue,
} from '../../src/core/index.js';
import { given } from './given.js';

const SNAPSHOT: ContextSnapshot = {
  objectives: [{ id: 'obj-3', text: 'Cut the nightly build below 10 minutes', runId: null }],
  tasks: [{ id: 'task-1', text: 'Ask ops for a bigger runner', runId: 'r0' }],
  insights: [{ id: 'ins-2', text: 'Caching saves 4 minutes', runId: 'r0' }],
  decisions: [{ runId: 'r0', id: 'gate:execution', status: 'pending', kind: 'gate', reason: 'needs approval' }],
};

function dispatched(events: BatonEvent[]): unknown[] {
  return events.flatMap((event) => (event.type === 'attempt.dispatched' ? [event.data.input] : []));
}

function plan(text: string) {
  return parsePlan(text, { file: 'plan.yaml', registry: (p) => buildRegistry(p) });
}

function issuesOf(text: string): string[] {
  try {
    plan(text);
  } catch (error) {
    if (error instanceof PlanError) return error.issues.map((i: PlanIssue) => `${i.path.join('.')}: ${i.message}`);
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

const CAPS = `capabilities:
  fn: { kind: command, command: [node, x.js], skills: { work: 1 } }
`;

describe('context in expressions', () => {
  it('fills a step input from the snapshot recorded in run.created', () => {
    const s = given(
      {
        baton: 1,
        name: 'p',
        steps: {
          a: {
            skill: 'work',
            input: {
              goal: '{{ context.objectives[0].text }}',
              open: '{{ size(context.tasks) }}',
              waiting: '{{ context.decisions.filter(d, d.status == "pending").map(d, d.runId) }}',
            },
          },
        },
      },
      {},
      { context: SNAPSHOT },
    );
    expect(dispatched(s.decisions)).toEqual([
      { goal: 'Cut the nightly build below 10 minutes', open: 1, waiting: ['r0'] },
    ]);
  });

  it('reads empty lists, not an error, in a run that recorded no context', () => {
    const s = given({
      baton: 1,
      name: 'p',
      steps: {
        a: { skill: 'work', when: 'size(context.objectives) == 0', input: '{{ context.insights }}' },
      },
    });
    expect(s.state.context).toEqual(EMPTY_CONTEXT);
    expect(dispatched(s.decisions)).toEqual([[]]);
  });

  it('lets a `when` and a gate policy read it too', () => {
    const s = given(
      {
        baton: 1,
        name: 'p',
        phases: ['infrastructure', { id: 'execution', gate: { policy: 'size(context.objectives) > 0' } }],
        steps: {
          a: { phase: 'infrastructure', skill: 'work', when: 'context.tasks.exists(t, t.id == "task-1")' },
          b: { phase: 'execution', skill: 'work', after: ['a'] },
        },
      },
      {},
      { context: SNAPSHOT },
    );
    s.succeed('a/a1', 'ok');
    expect(s.decisions).toContainEqual(
      expect.objectContaining({ type: 'phase.opened', data: expect.objectContaining({ phase: 'execution' }) }),
    );
    expect(s.state.steps.b?.status).toBe('running');
  });
});

describe('planReadsContext', () => {
  it('is true only for a plan with an expression that reads `context`', () => {
    expect(
      planReadsContext(
        plan(`baton: 1\nname: p\n${CAPS}steps:\n  a: { skill: work, input: "{{ context.objectives }}" }\n`),
      ),
    ).toBe(true);
    expect(
      planReadsContext(
        plan(`baton: 1\nname: p\n${CAPS}steps:\n  a: { skill: work, when: "size(context.tasks) > 0" }\n`),
      ),
    ).toBe(true);
    expect(
      planReadsContext(
        plan(
          `baton: 1\nname: p\n${CAPS}steps:\n  a: { skill: work, records: { insight: "{{ context.insights }}" } }\n`,
        ),
      ),
    ).toBe(true);
    expect(
      planReadsContext(
        plan(`baton: 1\nname: p\n${CAPS}steps:\n  a: { skill: work, input: { note: "context: {{ 1 + 1 }}" } }\n`),
      ),
    ).toBe(false);
  });
});

describe('context scope checks', () => {
  it('accepts `context` where inputs are read, and refuses it in a capability template', () => {
    expect(
      issuesOf(
        `baton: 1\nname: p\ncapabilities:\n  fn: { kind: command, command: [echo, "{{ context.objectives }}"], skills: { work: 1 } }\nsteps:\n  a: { skill: work }\n`,
      ),
    ).toEqual([
      expect.stringMatching(
        /^capabilities\.fn\.command\.1: template `\{\{ context\.objectives \}\}` does not type-check: Unknown variable: context.*\(in scope here: inputs, input\)$/,
      ),
    ]);
  });

  it('names what is in scope when a variable is unknown', () => {
    expect(
      issuesOf(`baton: 1\nname: p\n${CAPS}steps:\n  a: { skill: work, input: "{{ contexts.objectives }}" }\n`),
    ).toEqual([expect.stringContaining('(in scope here: inputs, steps, context)')]);
  });

  it('checks the templates of `records` like a step input that may read the step itself', () => {
    expect(
      issuesOf(
        `baton: 1\nname: p\n${CAPS}steps:\n  a: { skill: work }\n  b: { skill: work, records: { insight: "{{ steps.a.output }}" } }\n`,
      ),
    ).toEqual([expect.stringMatching(/^steps\.b\.records\.insight: .*reads steps\.a, but "b" does not run after "a"/)]);
    expect(issuesOf(`baton: 1\nname: p\n${CAPS}steps:\n  a: { skill: work, records: { outcome: done } }\n`)).toEqual([
      expect.stringContaining('`records` needs `insight`'),
      expect.stringMatching(/^steps\.a\.records\.outcome: `outcome` says how what `completes` names ended/),
    ]);
    expect(issuesOf(`baton: 1\nname: p\n${CAPS}steps:\n  a: { skill: work, records: { completes: ins-1 } }\n`)).toEqual(
      [expect.stringMatching(/^steps\.a\.records\.completes: .*an open objective or task id like obj-1 or task-2/)],
    );
  });
});

describe('records', () => {
  const PLAN = {
    baton: 1,
    name: 'p',
    steps: {
      review: {
        skill: 'work',
        records: {
          insight: 'review of {{ context.objectives[0].id }}: {{ steps.review.output.summary }}',
          completes: 'obj-3',
        },
      },
    },
  };

  it('decides context.recorded right after the step succeeded, rendered with the step output', () => {
    const s = given(PLAN, {}, { context: SNAPSHOT });
    const made = s.succeed('review/a1', { summary: 'cache the deps' });
    expect(s.types(made).slice(0, 2)).toEqual(['step.succeeded', 'context.recorded']);
    expect(made[1]).toEqual({
      type: 'context.recorded',
      data: {
        step: 'review',
        insight: 'review of obj-3: cache the deps',
        completes: { id: 'obj-3', outcome: 'completed by step "review" of run r1' },
      },
    });
  });

  it('records the error, and nothing else, when a template cannot be rendered', () => {
    const s = given(PLAN); // no snapshot: context.objectives is empty, so [0] fails
    const made = s.succeed('review/a1', { summary: 'x' });
    const recorded = made.find((event) => event.type === 'context.recorded');
    expect(recorded?.data).toEqual({ step: 'review', error: expect.stringMatching(/^records: /) });
    expect(s.state.status).toBe('succeeded');
  });
});
