import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { canonicalJson } from '../../src/core/canonical.js';
import { baton, batonAsync, ROOT } from './cli.js';

interface Entry {
  id: string;
  kind: string;
  text: string;
  runId: string | null;
  status: string;
  outcome: string | null;
}

describe('baton context', () => {
  it('keeps objectives and insights across processes, completes objectives, and shows them with the recent runs', () => {
    const home = tempDir();
    expect(baton(['run', 'examples/patterns/choice.yaml', '--run-id', 'ctx-run'], { home }).code).toBe(0);

    const first = baton(['context', 'objective', '  Cut the nightly build below 10 minutes  '], { home });
    expect(first).toMatchObject({
      code: 0,
      stderr: '',
      stdout: 'recorded objective obj-1: Cut the nightly build below 10 minutes\n',
    });
    const insight = baton(
      ['context', 'insight', 'Caching dependencies saves 4 minutes', '--run', 'ctx-run', '--json'],
      { home },
    );
    expect(insight.code).toBe(0);
    expect(JSON.parse(insight.stdout)).toMatchObject({
      id: 'ins-1',
      kind: 'insight',
      text: 'Caching dependencies saves 4 minutes',
      runId: 'ctx-run',
      status: 'recorded',
    });
    expect(baton(['context', 'objective', 'Document the plan language'], { home }).stdout).toContain('obj-2');

    const completed = baton(['context', 'complete', 'obj-1', '9m40s with the cache'], { home });
    expect(completed).toMatchObject({
      code: 0,
      stdout: 'completed objective obj-1: Cut the nightly build below 10 minutes\n  outcome: 9m40s with the cache\n',
    });

    const shown = baton(['context'], { home });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^open objectives\n {2}obj-2 {2}Document the plan language\n\n/);
    expect(shown.stdout).toMatch(
      /completed objectives\n {2}obj-1 {2}Cut the nightly build below 10 minutes\n {9}→ 9m40s with the cache {2}\(\d{4}-\d\d-\d\dT[\d:.]+Z\)\n/,
    );
    expect(shown.stdout).toContain('insights\n  ins-1  Caching dependencies saves 4 minutes  (run ctx-run)\n');
    expect(shown.stdout).toMatch(/recent runs\n {2}RUN +NAME +STATUS +UPDATED\n {2}ctx-run +choice +succeeded /);

    const json = JSON.parse(baton(['context', '--json'], { home }).stdout) as {
      objectives: Entry[];
      insights: Entry[];
      runs: { runId: string; status: string }[];
    };
    expect(json.objectives.map((o) => [o.id, o.status, o.outcome])).toEqual([
      ['obj-1', 'complete', '9m40s with the cache'],
      ['obj-2', 'open', null],
    ]);
    expect(json.insights.map((i) => [i.id, i.runId])).toEqual([['ins-1', 'ctx-run']]);
    expect(json.runs.map((r) => [r.runId, r.status])).toEqual([['ctx-run', 'succeeded']]);
  });

  it('numbers entries recorded by processes at the same time without repeats', async () => {
    const home = tempDir();
    expect(baton(['context', 'objective', 'Ship 1.0'], { home }).code).toBe(0);
    const children = Array.from({ length: 8 }, (_, i) => batonAsync(['context', 'insight', `finding ${i}`], { home }));
    const codes = await Promise.all(children.map(async (child) => (await once(child, 'exit'))[0] as number));
    expect(codes).toEqual(Array(8).fill(0));
    const json = JSON.parse(baton(['context', '--json'], { home }).stdout) as { insights: Entry[] };
    expect(json.insights.map((i) => i.id).sort()).toEqual([
      'ins-1',
      'ins-2',
      'ins-3',
      'ins-4',
      'ins-5',
      'ins-6',
      'ins-7',
      'ins-8',
    ]);
  });

  it('refuses bad input with exit 2 and says what is wrong, changing nothing', () => {
    const home = tempDir();
    const empty = baton(['context', 'objective', '   '], { home });
    expect(empty).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'baton: objective text is empty; give it as non-blank text\n',
    });
    expect(existsSync(join(home, 'baton.db'))).toBe(false);
    expect(baton(['context', 'insight', 'x'.repeat(10_001)], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('insight text is 10,001 characters long; at most 10,000 are kept'),
    });
    expect(baton(['context', 'insight', 'noted', '--run', 'run-nope'], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no Baton workspace at'),
    });
    expect(existsSync(join(home, 'baton.db'))).toBe(false);

    expect(baton(['context', 'objective', 'Ship 1.0'], { home }).code).toBe(0);
    expect(baton(['context', 'insight', 'noted'], { home }).code).toBe(0);
    expect(baton(['context', 'insight', 'noted', '--run', 'run-nope'], { home })).toMatchObject({
      code: 2,
      stderr: 'baton: run "run-nope" not found\n',
    });
    expect(baton(['context', 'complete', 'obj-9', 'done'], { home })).toMatchObject({
      code: 2,
      stderr: 'baton: objective "obj-9" not found\n',
    });
    expect(baton(['context', 'complete', 'ship', 'done'], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('"ship" is not an objective or task id; ids look like obj-N or task-N'),
    });
    expect(baton(['context', 'complete', 'ins-1', 'done'], { home })).toMatchObject({
      code: 2,
      stderr: 'baton: "ins-1" is an insight; only objectives and tasks are completed\n',
    });
    expect(baton(['context', 'complete', 'obj-1', ' '], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('outcome is empty'),
    });
    expect(baton(['context', 'complete', 'obj-1'], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("missing required argument 'outcome'"),
    });

    expect(baton(['context', 'complete', 'obj-1', 'shipped'], { home }).code).toBe(0);
    const twice = baton(['context', 'complete', 'obj-1', 'shipped again', '--json'], { home });
    expect(twice.code).toBe(2);
    expect(JSON.parse(twice.stdout)).toEqual({
      error: {
        code: 'conflict',
        message: expect.stringMatching(/^objective "obj-1" is already complete \(since .+: shipped\)$/),
      },
    });

    const json = JSON.parse(baton(['context', '--json'], { home }).stdout) as {
      objectives: Entry[];
      insights: Entry[];
    };
    expect(json.objectives.map((o) => [o.id, o.outcome])).toEqual([['obj-1', 'shipped']]);
    expect(json.insights.map((i) => i.id)).toEqual(['ins-1']);
  });

  it('creates no workspace in an empty directory until something is recorded', () => {
    const cwd = tempDir();
    // An empty BATON_HOME means ./.baton in the directory baton runs in.
    const shown = baton(['context'], { cwd, home: '' });
    expect(shown).toMatchObject({
      code: 0,
      stdout: 'nothing recorded yet (no workspace here); add one with: baton context objective "TEXT"\n',
    });
    expect(JSON.parse(baton(['context', '--json'], { cwd, home: '' }).stdout)).toEqual({
      objectives: [],
      tasks: [],
      insights: [],
      runs: [],
      decisions: [],
      agents: [],
    });
    expect(baton(['context', 'complete', 'obj-1', 'done'], { cwd, home: '' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no Baton workspace at'),
    });
    expect(existsSync(join(cwd, '.baton'))).toBe(false);

    expect(baton(['context', 'objective', 'Ship 1.0'], { cwd, home: '' }).code).toBe(0);
    expect(existsSync(join(cwd, '.baton', 'baton.db'))).toBe(true);
  });

  it('keeps tasks, open until completed and linked to runs, and shows them', () => {
    const home = tempDir();
    expect(baton(['run', 'examples/patterns/choice.yaml', '--run-id', 'ctx-run'], { home }).code).toBe(0);
    expect(baton(['context', 'task', 'Ask ops for a bigger runner'], { home })).toMatchObject({
      code: 0,
      stdout: 'recorded task task-1: Ask ops for a bigger runner\n',
    });
    const linked = baton(['context', 'task', 'Review the cache hit rate', '--run', 'ctx-run', '--json'], { home });
    expect(JSON.parse(linked.stdout)).toMatchObject({ id: 'task-2', kind: 'task', status: 'open', runId: 'ctx-run' });
    expect(baton(['context', 'complete', 'task-1', 'asked on Monday'], { home })).toMatchObject({
      code: 0,
      stdout: 'completed task task-1: Ask ops for a bigger runner\n  outcome: asked on Monday\n',
    });
    expect(baton(['context', 'complete', 'task-1', 'again'], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^baton: task "task-1" is already complete \(since .+: asked on Monday\)\n$/),
    });
    expect(baton(['context', 'complete', 'task-9', 'done'], { home })).toMatchObject({
      code: 2,
      stderr: 'baton: task "task-9" not found\n',
    });
    expect(baton(['context', 'task', 'linked to nothing', '--run', 'run-nope'], { home })).toMatchObject({
      code: 2,
      stderr: 'baton: run "run-nope" not found\n',
    });

    const shown = baton(['context'], { home }).stdout;
    expect(shown).toContain('open tasks\n  task-2  Review the cache hit rate  (run ctx-run)\n');
    expect(shown).toMatch(/completed tasks\n {2}task-1 {2}Ask ops for a bigger runner\n {10}→ asked on Monday/);
    const json = JSON.parse(baton(['context', '--json'], { home }).stdout) as { tasks: Entry[] };
    expect(json.tasks.map((t) => [t.id, t.status, t.runId])).toEqual([
      ['task-1', 'complete', null],
      ['task-2', 'open', 'ctx-run'],
    ]);
  });

  it('feeds a run the context it reads, records what its step declares, once, and the ledger verifies', () => {
    const home = tempDir();
    expect(baton(['context', 'objective', 'Cut the nightly build below 10 minutes'], { home }).code).toBe(0);
    expect(baton(['context', 'task', 'Ask ops for a bigger runner'], { home }).code).toBe(0);
    const run = baton(['run', 'examples/patterns/context.yaml', '--run-id', 'ctx-1', '--json'], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'succeeded',
      outputs: {
        plan: { goal: 'Cut the nightly build below 10 minutes', known: [], open_tasks: 1 },
        measure: { goal: 'Cut the nightly build below 10 minutes', minutes: 9 },
      },
    });

    // The snapshot and its hash are in run.created, where a replay reads them.
    const db = new Database(join(home, 'baton.db'), { readonly: true });
    const rows = db
      .prepare(
        "SELECT type, data FROM events WHERE run_id = 'ctx-1' AND type IN ('run.created', 'context.recorded') ORDER BY seq",
      )
      .all() as { type: string; data: string }[];
    db.close();
    const created = JSON.parse(rows[0]?.data ?? '{}') as { context: unknown; contextHash: string };
    expect(created.context).toEqual({
      objectives: [{ id: 'obj-1', text: 'Cut the nightly build below 10 minutes', runId: null }],
      tasks: [{ id: 'task-1', text: 'Ask ops for a bigger runner', runId: null }],
      insights: [],
      decisions: [],
    });
    expect(created.contextHash).toBe(createHash('sha256').update(canonicalJson(created.context)).digest('hex'));
    expect(rows.map((row) => row.type)).toEqual(['run.created', 'context.recorded']);

    expect(baton(['verify', 'ctx-1'], { home })).toMatchObject({ code: 0, stdout: expect.stringContaining('✓ ctx-1') });
    // Resuming a finished run decides nothing again, so nothing is recorded twice.
    expect(baton(['resume', 'ctx-1'], { home }).code).toBe(0);
    const resume = JSON.parse(baton(['context', 'resume', '--json'], { home }).stdout) as {
      objectives: Entry[];
      tasks: Entry[];
      insights: Entry[];
    };
    expect(resume.objectives).toEqual([]);
    expect(resume.tasks.map((t) => t.id)).toEqual(['task-1']);
    expect(resume.insights.map((i) => [i.id, i.text, i.runId])).toEqual([
      ['ins-1', 'measured 9 minutes for: Cut the nightly build below 10 minutes', 'ctx-1'],
    ]);
    const json = JSON.parse(baton(['context', '--json'], { home }).stdout) as { objectives: Entry[] };
    expect(json.objectives.map((o) => [o.id, o.status, o.outcome])).toEqual([['obj-1', 'complete', '9 minutes']]);

    // obj-1 is complete now: a second run would complete nothing, and is refused before it starts.
    expect(baton(['run', 'examples/patterns/context.yaml'], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('steps.measure.records.completes: objective "obj-1" is already complete'),
    });
  });

  it('a plan that reads context in a workspace without any gets empty lists', () => {
    const home = tempDir();
    // The example completes obj-1, which this workspace does not have: refused before anything runs.
    const run = baton(['run', 'examples/patterns/context.yaml'], { home });
    expect(run).toMatchObject({ code: 2, stderr: expect.stringContaining('has no objective or task "obj-1"') });
    const plan = join(tempDir(), 'reads.yaml');
    writeFileSync(
      plan,
      [
        'baton: 1',
        'name: reads',
        'capabilities:',
        `  worker: { kind: command, command: [node, ${join(ROOT, 'examples/scripts/work.mjs')}], skills: { s: 1 } }`,
        'steps:',
        '  a: { skill: s, input: { objectives: "{{ context.objectives }}", decisions: "{{ size(context.decisions) }}" } }',
        '',
      ].join('\n'),
    );
    const ran = baton(['run', plan, '--json'], { home });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ outputs: { a: { objectives: [], decisions: 0 } } });
  });

  it('resume lists what waits for a person across runs; metrics sum runs, steps, cost and decisions by day', () => {
    const home = tempDir();
    expect(baton(['context', 'objective', 'Ship 1.0'], { home }).code).toBe(0);
    expect(baton(['run', 'examples/governance/approval.yaml', '--run-id', 'release-1'], { home }).code).toBe(4);
    expect(baton(['run', 'examples/patterns/choice.yaml', '--run-id', 'choice-1'], { home }).code).toBe(0);

    const text = baton(['context', 'resume'], { home });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^open objectives\n {2}obj-1 {2}Ship 1\.0\n\nopen tasks: none\n\npending decisions\n/);
    expect(text.stdout).toMatch(/ {2}release-1 +gate:execution +gate +/);
    expect(text.stdout).toContain('answer with: baton approve RUN DECISION, or baton deny RUN DECISION');
    expect(text.stdout).toMatch(/running runs\n {2}RUN +NAME +UPDATED\n {2}release-1 +approval /);
    const resume = JSON.parse(baton(['context', 'resume', '--json'], { home }).stdout) as {
      pending: { runId: string; id: string; status: string }[];
      running: { runId: string }[];
    };
    expect(resume.pending).toEqual([
      expect.objectContaining({ runId: 'release-1', id: 'gate:execution', status: 'pending' }),
    ]);
    expect(resume.running.map((r) => r.runId)).toEqual(['release-1']);

    expect(baton(['approve', 'release-1', 'execution'], { home }).code).toBe(0);
    expect(baton(['resume', 'release-1'], { home }).code).toBe(0);
    const metrics = JSON.parse(baton(['context', 'metrics', '--json'], { home }).stdout) as {
      window: { runs: number; limit: number; since: string | null };
      days: { day: string; runs: number }[];
      totals: Record<string, number>;
      runs: { runId: string; steps: number; costUsd: number; decisions: number }[];
    };
    expect(metrics.window).toEqual({ runs: 2, limit: 100, since: null });
    expect(metrics.totals).toMatchObject({ runs: 2, succeeded: 2, failed: 0, decisions: 1, pending: 0, agents: 0 });
    expect(metrics.totals.costUsd).toBeCloseTo(0.35, 6);
    expect(metrics.days).toEqual([
      expect.objectContaining({ day: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), runs: 2 }),
    ]);
    expect(metrics.runs.find((r) => r.runId === 'release-1')).toMatchObject({ decisions: 1, costUsd: 0.35 });
    const table = baton(['context', 'metrics', '--runs', '1'], { home });
    expect(table.stdout).toMatch(/^metrics of 1 run \(the newest 1 at most\)\n {2}DAY +RUNS +SUCCEEDED/);
    expect(table.stdout).toMatch(/ {2}total +1 +1 +0 /);
    const later = JSON.parse(baton(['context', 'metrics', '--since', '2999-01-01', '--json'], { home }).stdout) as {
      window: { runs: number };
    };
    expect(later.window.runs).toBe(0);
    expect(baton(['context', 'metrics', '--since', 'yesterday'], { home })).toMatchObject({
      code: 2,
      stderr: 'baton: since must be a date like 2026-12-01 or a time like 2026-12-01T09:00:00Z, got "yesterday"\n',
    });
    expect(baton(['context', 'metrics', '--runs', '5000'], { home })).toMatchObject({
      code: 2,
      stderr: 'baton: runs must be a whole number from 1 to 1,000, got 5000\n',
    });
  });

  it('resume and metrics create no workspace where there is none', () => {
    const cwd = tempDir();
    expect(JSON.parse(baton(['context', 'resume', '--json'], { cwd, home: '' }).stdout)).toEqual({
      objectives: [],
      tasks: [],
      pending: [],
      running: [],
      insights: [],
    });
    expect(baton(['context', 'metrics'], { cwd, home: '' }).stdout).toBe(
      'metrics of 0 runs (the newest 100 at most): none\n',
    );
    expect(baton(['context', 'metrics', '--runs', 'x'], { cwd, home: '' })).toMatchObject({ code: 2 });
    expect(existsSync(join(cwd, '.baton'))).toBe(false);
  });
});
