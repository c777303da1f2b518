import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, ROOT } from './cli.js';

const PATTERNS = join(ROOT, 'examples/patterns');
const yamlFiles = (dir: string): string[] => readdirSync(dir).filter((file) => file.endsWith('.yaml'));

describe('examples and the docs that quote them', () => {
  // One test per file: each starts a process, which on a busy machine can take seconds, so 25 in one test outran its timeout.
  it.each(yamlFiles(PATTERNS))('the pattern plan %s is valid', (file) => {
    const result = baton(['validate', join(PATTERNS, file)], { home: tempDir() });
    expect(result.code, `${file}: ${result.stderr}`).toBe(0);
  });

  it.each(yamlFiles(join(PATTERNS, 'invalid')))('the deliberately invalid plan %s is refused with exit 2', (file) => {
    const result = baton(['validate', join(PATTERNS, 'invalid', file)], { home: tempDir() });
    expect(result.code, file).toBe(2);
    expect(result.stderr).toMatch(/^baton: invalid plan\n {2}\S+\.yaml:\d+:\d+ /);
  });

  it('every plan quoted in docs/plan-language.md is the file it names, word for word', () => {
    const doc = readFileSync(join(ROOT, 'docs/plan-language.md'), 'utf8');
    const quoted = [...doc.matchAll(/```yaml\n# (examples\/\S+\.yaml)\n([\s\S]*?)```/g)];
    expect(quoted.length).toBeGreaterThan(5);
    for (const [, file, rest] of quoted) {
      expect(rest, file).toBe(readFileSync(join(ROOT, file as string), 'utf8'));
    }
  });

  it('the function capability example runs from code', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'examples/function-capability.mjs')], {
      cwd: ROOT,
      env: { ...process.env, BATON_HOME: tempDir(), NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
  });

  // A timeout counts Node's start-up: these examples once timed out on a busy machine (a 300 ms
  // timeout for a step that needs a process start and 50 ms of work). Their timings now leave seconds of room.
  it('the retry and timeout example recovers with its defaults and, with hangs=2, fails on `hung` while `flaky` still retries', () => {
    const home = tempDir();
    const file = join(PATTERNS, 'retry-timeout.yaml');
    const recovered = baton(['run', file, '--json'], { home });
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(JSON.parse(recovered.stdout)).toMatchObject({
      status: 'succeeded',
      succeeded: 2,
      outputs: { flaky: { attempt: 3 }, hung: { attempt: 2 } },
    });
    const hung = baton(['run', file, '--input', 'failures=5', '--input', 'hangs=2', '--json'], { home });
    expect(hung.code, hung.stderr).toBe(1);
    const result = JSON.parse(hung.stdout) as { runId: string; failure: string };
    expect(result.failure).toBe('step "hung" failed: timed out after 3s (after 2 attempts)');
    const status = baton(['status', result.runId, '--json'], { home });
    const steps = (JSON.parse(status.stdout) as { steps: { step: string; status: string }[] }).steps;
    expect(Object.fromEntries(steps.map((step) => [step.step, step.status]))).toEqual({
      flaky: 'cancelled',
      hung: 'failed',
    });
  });

  it('the quorum example announces while the slowest mirror is still running', () => {
    const home = tempDir();
    const run = baton(['run', join(PATTERNS, 'quorum.yaml'), '--json'], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'succeeded',
      outputs: { announce: { ap_status: 'running' } },
    });
  });
});
