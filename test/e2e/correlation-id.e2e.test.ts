import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';

const ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** A plan whose command answers with the correlation variables it was started with. */
function envPlan(dir: string): string {
  const file = join(dir, 'env.json');
  const script = 'process.stdout.write(JSON.stringify([process.env.BATON_CORRELATION_ID, process.env.TRACEPARENT]))';
  const plan = {
    baton: 1,
    name: 'env',
    capabilities: { sh: { kind: 'command', command: [process.execPath, '-e', script], skills: { show: 1 } } },
    steps: { show: { skill: 'show' } },
  };
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

describe('baton run --correlation-id', () => {
  it('records the id, hands it to the command, and baton status shows it', () => {
    const home = tempDir();
    const plan = envPlan(home);
    const run = baton(['run', plan, '--correlation-id', ID, '--run-id', 'traced-1', '--json'], { home });
    expect(run.code, run.stderr).toBe(0);
    const [id, parent] = (JSON.parse(run.stdout) as { outputs: { show: [string, string] } }).outputs.show;
    expect(id).toBe(ID);
    expect(parent).toMatch(new RegExp(`^00-${ID}-[0-9a-f]{16}-01$`));
    expect(baton(['status', 'traced-1'], { home }).stdout).toContain(`  correlation id ${ID}\n`);
    const view = JSON.parse(baton(['status', 'traced-1', '--json'], { home }).stdout) as { correlationId: string };
    expect(view.correlationId).toBe(ID);
  });

  it('refuses a malformed id with exit 2 and a clear message, creating nothing', () => {
    const home = tempDir();
    const plan = envPlan(home);
    const run = baton(['run', plan, '--correlation-id', 'abc'], { home });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--correlation-id: "abc" is not a correlation id; expected a W3C trace id, 32 lowercase hex digits',
    );
    // The refusal comes before the workspace is opened: nothing but the plan is there.
    expect(readdirSync(home)).toEqual(['env.json']);
  });
});
