import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';

/** A command step that prints a 100 KB JSON output, and a step whose input template reads it. */
const PLAN = `
baton: 1
name: large-output
capabilities:
  big:
    kind: command
    command: [node, -e, "process.stdout.write(JSON.stringify({ text: 'x'.repeat(100000) }))"]
    skills: { big: 1 }
  count:
    kind: command
    command: [node, -e, "let s = ''; process.stdin.on('data', (c) => (s += c)).on('end', () => process.stdout.write(s))"]
    skills: { count: 1 }
steps:
  a: { skill: big }
  b: { skill: count, after: [a], input: { length: "{{ size(steps.a.output.text) }}" } }
`;

it('`baton run`, `status`, `log` and `verify` show and check a 100 KB output that the ledger keeps apart', () => {
  const home = tempDir();
  const plan = join(tempDir(), 'large.yaml');
  writeFileSync(plan, PLAN);
  const run = baton(['run', plan, '--json'], { home });
  expect(run.code, run.stderr).toBe(0);
  const { runId } = JSON.parse(run.stdout) as { runId: string };

  const status = JSON.parse(baton(['status', runId, '--json'], { home }).stdout) as {
    steps: { step: string; output: unknown }[];
  };
  expect(status.steps.find((s) => s.step === 'a')?.output).toEqual({ text: 'x'.repeat(100_000) });
  expect(status.steps.find((s) => s.step === 'b')?.output).toEqual({ length: 100_000 });
  const log = baton(['log', runId, '--json'], { home });
  expect(log.code, log.stderr).toBe(0);
  expect(log.stdout).not.toContain('$payload');
  expect(baton(['verify', runId], { home }).code).toBe(0);

  const db = new Database(join(home, 'baton.db'));
  const { largest } = db.prepare('SELECT MAX(length(data)) AS largest FROM events').get() as { largest: number };
  expect(largest).toBeLessThan(4_000);
  const { hash } = db.prepare('SELECT hash FROM payloads').get() as { hash: string };
  db.prepare("UPDATE payloads SET body = replace(body, 'xxxx', 'xxxy')").run();
  db.close();
  const verify = baton(['verify', runId], { home });
  expect(verify.code).toBe(1);
  expect(verify.stdout).toMatch(
    new RegExp(
      `✗ ${runId}: ledger verification FAILED at seq \\d+: payload sha256:${hash} \\(100011 bytes\\) of event seq \\d+ \\(attempt.succeeded\\) no longer matches its hash`,
    ),
  );
  // Reading the run is refused too, rather than showing a value its hash does not bind.
  const refused = baton(['status', runId], { home });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain(`payload sha256:${hash}`);
  expect(refused.stderr).not.toMatch(/at .*\.js:\d+/);
});
