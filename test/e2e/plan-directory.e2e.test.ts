import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, ROOT } from './cli.js';

describe('relative paths in a plan file', () => {
  it("resolve against the plan file's directory, wherever baton is started", () => {
    for (const [file, cwd] of [
      ['examples/quickstart.yaml', ROOT],
      ['quickstart.yaml', join(ROOT, 'examples')],
    ]) {
      const result = baton(['run', file as string], { home: tempDir(), cwd });
      expect(result.stderr, `${file} from ${cwd}`).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/steps: 7 done, 1 skipped, 0 failed/);
    }
  });

  it("a capability's cwd is relative to the plan file too, and one that is not a directory is a plan error", () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'tools'));
    writeFileSync(join(dir, 'tools', 'where.mjs'), 'process.stdout.write(JSON.stringify(process.cwd()));\n');
    writeFileSync(
      join(dir, 'near.yaml'),
      'baton: 1\nname: near\ncapabilities:\n  here: {kind: command, command: [node, tools/where.mjs], skills: {a: 1}}\n  inside: {kind: command, command: [node, where.mjs], cwd: tools, skills: {b: 1}}\nsteps:\n  a: {skill: a}\n  b: {skill: b}\n',
    );
    const result = baton(['run', join(dir, 'near.yaml'), '--json'], { home: tempDir(), cwd: tempDir() });
    expect(result.stderr).toBe('');
    expect((JSON.parse(result.stdout) as { outputs: unknown }).outputs).toEqual({ a: dir, b: join(dir, 'tools') });

    writeFileSync(
      join(dir, 'lost.yaml'),
      'baton: 1\nname: lost\ncapabilities:\n  c: {kind: command, command: [node, x.mjs], cwd: nowhere, skills: {a: 1}}\nsteps:\n  a: {skill: a}\n',
    );
    const lost = baton(['validate', join(dir, 'lost.yaml')], { home: tempDir() });
    expect(lost.code).toBe(2);
    expect(lost.stderr).toContain(
      `capabilities.c.cwd: no directory at ${join(dir, 'nowhere')} (a relative cwd is relative to the plan file's directory)`,
    );
  });
});

describe('a failed command leaves no workspace', () => {
  it('run refused by its pre-flight or its run id, validate and status create no .baton where there is none', () => {
    const dir = tempDir();
    const plan = join(dir, 'costly.yaml');
    writeFileSync(
      plan,
      'baton: 1\nname: costly\nconstraints: {budget_usd: 0.1}\ncapabilities:\n  c: {kind: command, command: [node, -e, "1"], skills: {a: 1}, cost_usd: 1}\nsteps:\n  a: {skill: a}\n',
    );
    // An empty BATON_HOME means unset: the workspace would be ./.baton of the directory.
    const here = { home: '', cwd: dir };
    const refused = baton(['run', plan], here);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pre-flight refused plan "costly"');
    const badId = baton(['run', join(ROOT, 'examples/quickstart.yaml'), '--run-id', 'no spaces'], here);
    expect(badId).toMatchObject({ code: 2, stderr: expect.stringContaining('run id "no spaces" must be') });
    expect(baton(['validate', join(dir, 'missing.yaml')], here).code).toBe(2);
    expect(baton(['status', 'run-nope'], here).code).toBe(2);
    expect(existsSync(join(dir, '.baton'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['costly.yaml']);
  });
});
