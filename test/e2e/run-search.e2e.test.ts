import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baton } from './cli.js';
import { connect, ok, refused } from './mcp-client.js';

/** A one-step plan that succeeds at once, named `name`, pursuing `objective`. */
function planFile(dir: string, name: string, objective: string): string {
  const file = join(dir, `${name.replace(/\W/g, '-')}.json`);
  const plan = {
    baton: 1,
    name,
    objective,
    capabilities: { sh: { kind: 'command', command: ['node', '-e', 'process.stdout.write("1")'], skills: { run: 1 } } },
    steps: { one: { skill: 'run' } },
  };
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

/** `baton status --search` and MCP list_runs' `search` find runs as `GET /v1/runs?q=` does. */
describe('searching runs from the CLI and MCP', () => {
  // One workspace for every test here (tempDir's are removed after each test): the runs take a while to make.
  const home = mkdtempSync(join(tmpdir(), 'baton-test-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  beforeAll(() => {
    const runs = [
      ['nightly-1', 'Nightly report', 'Refresh the price index'],
      ['weekly-1', 'Weekly digest', 'Mail the 100% summary'],
      ['nightly-2', 'Nightly report', 'Refresh the price index'],
    ] as const;
    for (const [runId, name, objective] of runs)
      expect(baton(['run', planFile(home, name, objective), '--run-id', runId], { home }).code).toBe(0);
  });

  it('baton status --search lists the runs whose id, plan name or objective match, and says so when none does', () => {
    const found = JSON.parse(baton(['status', '--search', 'PRICE', '--json'], { home }).stdout) as { runId: string }[];
    expect(found.map((run) => run.runId)).toEqual(['nightly-2', 'nightly-1']);
    expect(baton(['status', '--search', 'weekly'], { home }).stdout).toMatch(/weekly-1 +Weekly digest +succeeded/);
    expect(JSON.parse(baton(['status', '--search', '100%', '--json'], { home }).stdout)).toEqual([
      expect.objectContaining({ runId: 'weekly-1' }),
    ]);
    expect(JSON.parse(baton(['status', '--search', '1_', '--json'], { home }).stdout)).toEqual([]);
    expect(baton(['status', '--search', 'monthly'], { home })).toMatchObject({
      code: 0,
      stdout: 'no run\'s id, plan name or objective contains "monthly"\n',
    });
  });

  it('baton status --search refuses a search too long, or given with a run id, with exit code 2 and no stack trace', () => {
    const long = baton(['status', '--search', 'x'.repeat(201)], { home });
    expect(long).toMatchObject({ code: 2, stderr: expect.stringContaining('--search is at most 200 characters') });
    expect(long.stderr).not.toMatch(/\n\s+at /);
    expect(baton(['status', 'nightly-1', '--search', 'x'], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('to show run "nightly-1", leave --search out'),
    });
  });

  it('MCP list_runs takes the same search', async () => {
    const { client } = await connect(home);
    const listed = await ok<{ runs: { runId: string }[] }>(client, 'list_runs', { search: 'nightly' });
    expect(listed.runs.map((run) => run.runId)).toEqual(['nightly-2', 'nightly-1']);
    expect(await refused(client, 'list_runs', { search: 'x'.repeat(201) })).toMatch(/at most 200 characters/);
  });
});
