import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, ROOT, type CliResult } from './cli.js';

const SCOPE = 'examples/governance/scope.yaml';
/** The plan's commands run in `cwd: ..` relative to the plan file, so its relative scope entries point there. */
const CWD = `${ROOT}examples`;

function expectCode(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

interface StatusStep {
  step: string;
  status: string;
  error: string | null;
  output: { argv: string[]; env: Record<string, string> } | null;
}

interface LogEntry {
  step: string;
  outcome: string;
  error: { type: string; message: string; retryable: boolean } | null;
  attempts: { outcome: string }[];
  constraints: { scope: string[] };
}

describe('scope from the command line', () => {
  it('passes each step its scope and refuses the step whose argument leaves it, with type scope in the log', () => {
    const home = tempDir();
    expectCode(baton(['run', SCOPE, '--run-id', 'scoped-1'], { home }), 0);
    const refusal = `command[2] "./out/../secrets.txt" names the path ${CWD}/secrets.txt, which is outside the step's scope (./out, https://api.example.com/v1; relative paths resolve against ${CWD})`;

    const status = JSON.parse(baton(['status', 'scoped-1', '--json'], { home }).stdout) as {
      status: string;
      steps: StatusStep[];
    };
    expect(status.status).toBe('succeeded');
    const byStep = Object.fromEntries(status.steps.map((step) => [step.step, step]));
    expect(byStep.report?.output).toMatchObject({
      argv: ['./out/report.txt'],
      env: { BATON_SCOPE: '["./out","https://api.example.com/v1"]' },
    });
    expect(byStep.fetch?.output).toMatchObject({
      argv: ['https://api.example.com/v1/items?page=2'],
      env: { BATON_SCOPE: '["https://api.example.com/v1/items"]' },
    });
    expect(byStep.escape).toMatchObject({ status: 'failed', error: refusal, output: null });

    const log = JSON.parse(baton(['log', 'scoped-1', '--json'], { home }).stdout) as LogEntry[];
    const escape = log.find((entry) => entry.step === 'escape');
    expect(escape).toMatchObject({
      outcome: 'failed',
      error: { type: 'scope', message: refusal, retryable: false },
      attempts: [{ outcome: 'failed' }],
      constraints: { scope: ['./out', 'https://api.example.com/v1'] },
    });
    const text = baton(['log', 'scoped-1'], { home }).stdout;
    expect(text).toContain('    routed: input 6cb528285a86 (22 B); scope ./out, https://api.example.com/v1\n');
    expect(text).toContain(`    outcome: failed: ${refusal}  [escape/a1 failed`);
  });

  it('fails the run when a step that must succeed is given a path outside the scope', () => {
    const home = tempDir();
    const run = baton(['run', SCOPE, '--run-id', 'scoped-2', '--input', 'target=/etc/hosts'], { home });
    expectCode(run, 1);
    expect(run.stdout).toContain(
      `step "report" failed: command[2] "/etc/hosts" names the path /etc/hosts, which is outside the step's scope (./out, https://api.example.com/v1; relative paths resolve against ${CWD})`,
    );
    const [report] = (JSON.parse(baton(['log', 'scoped-2', '--json'], { home }).stdout) as LogEntry[]).filter(
      (entry) => entry.step === 'report',
    );
    expect(report?.error?.type).toBe('scope');
  });

  it('fails the run when the argument is a URL that WHATWG resolves to another host, or a path attached to a short option', () => {
    const home = tempDir();
    const slash = baton(['run', SCOPE, '--run-id', 'scoped-3', '--input', 'target=https:/evil.example.com/x'], {
      home,
    });
    expectCode(slash, 1);
    expect(slash.stdout).toContain(
      `step "report" failed: command[2] "https:/evil.example.com/x" names the URL https://evil.example.com/x, which is outside the step's scope (./out, https://api.example.com/v1; relative paths resolve against ${CWD})`,
    );
    const attached = baton(['run', SCOPE, '--run-id', 'scoped-4', '--input', 'target=-o/etc/hosts'], { home });
    expectCode(attached, 1);
    expect(attached.stdout).toContain(
      `step "report" failed: command[2] "-o/etc/hosts" (its value "/etc/hosts") names the path /etc/hosts, which is outside the step's scope`,
    );
  });

  it("refuses a plan whose step widens the run's scope, with exit 2 and the line of the entry", () => {
    const home = tempDir();
    const plan = join(tempDir(), 'wide.yaml');
    writeFileSync(
      plan,
      readFileSync(join(ROOT, SCOPE), 'utf8').replace(
        'scope: [https://api.example.com/v1/items]',
        'scope: [api.example.com]',
      ),
    );
    const result = baton(['validate', plan], { home });
    expectCode(result, 2);
    expect(result.stderr).toBe(
      `baton: invalid plan\n  ${plan}:32:28 steps.fetch.constraints.scope[0]: "api.example.com" is not within the run's constraints.scope (./out, https://api.example.com/v1); a step's constraints can only narrow the run's\n`,
    );
  });
});
