import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, batonAsync } from './cli.js';

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
      stderr: expect.stringContaining('"ship" is not an objective id; objective ids look like obj-N'),
    });
    expect(baton(['context', 'complete', 'ins-1', 'done'], { home })).toMatchObject({
      code: 2,
      stderr: 'baton: "ins-1" is an insight; only objectives are completed\n',
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
      insights: [],
      runs: [],
      decisions: [],
    });
    expect(baton(['context', 'complete', 'obj-1', 'done'], { cwd, home: '' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no Baton workspace at'),
    });
    expect(existsSync(join(cwd, '.baton'))).toBe(false);

    expect(baton(['context', 'objective', 'Ship 1.0'], { cwd, home: '' }).code).toBe(0);
    expect(existsSync(join(cwd, '.baton', 'baton.db'))).toBe(true);
  });
});
