import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';

describe('baton CLI', () => {
  it('runs the quickstart with progress and a verified ledger', () => {
    const home = tempDir();
    const result = baton(['run', 'examples/quickstart.yaml'], { home });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✓ plan_modules\s+succeeded in/);
    expect(result.stdout).toMatch(/↻ fetch_changelog\s+attempt failed; retry 1 of 2 in 200ms/);
    expect(result.stdout).toMatch(/– publish\s+skipped: when `inputs.publish` is false/);
    expect(result.stdout).toMatch(/steps: 7 done, 1 skipped, 0 failed/);
    expect(result.stdout).toMatch(/ledger verified \(\d+ events, head [0-9a-f]{12}\)/);
    const runId = /run (run-\S+) succeeded/.exec(result.stdout)?.[1] as string;

    for (const again of [
      ['resume', runId],
      ['run', 'examples/quickstart.yaml', '--run-id', runId],
    ]) {
      const repeated = baton(again, { home });
      expect(repeated.code).toBe(0);
      expect(repeated.stdout).toContain(`run ${runId} already succeeded (it ended at `);
    }

    const status = baton(['status', runId, '--json'], { home });
    const parsed = JSON.parse(status.stdout) as {
      status: string;
      steps: { step: string; status: string; attempts: number }[];
    };
    expect(parsed.status).toBe('succeeded');
    expect(parsed.steps.find((s) => s.step === 'fetch_changelog')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(parsed.steps.find((s) => s.step === 'test_module')).toMatchObject({ status: 'succeeded', attempts: 3 });

    const log = baton(['log', runId], { home });
    expect(log.stdout).toMatch(
      /plan_modules {2}skill analyze → worker {2}\(strongest of 2 capabilities offering "analyze"\)/,
    );
    expect(log.stdout).toMatch(/· slow-worker\s+0\.40 {2}weaker than "worker" \(0\.4 < 0\.7\)/);
  });

  it('takes inputs, prints JSON for scripts, and exits 1 when the run fails', () => {
    const home = tempDir();
    const ok = baton(
      ['run', 'examples/quickstart.yaml', '--input', 'publish=true', '--input', 'modules=["one"]', '--json'],
      { home },
    );
    expect(ok.code).toBe(0);
    const result = JSON.parse(ok.stdout) as {
      status: string;
      succeeded: number;
      skipped: number;
      outputs: Record<string, unknown>;
      ledger: { verified: boolean };
    };
    expect(result).toMatchObject({ status: 'succeeded', succeeded: 8, skipped: 0, ledger: { verified: true } });
    expect(result.outputs.test_module).toEqual([{ step: 'test_module', ok: true, module: 'one', position: '1 of 1' }]);

    const dir = tempDir();
    const plan = join(dir, 'fail.yaml');
    writeFileSync(
      plan,
      'baton: 1\nname: fails\ncapabilities:\n  no:\n    kind: command\n    command: [node, -e, "process.exit(3)"]\n    skills: {x: 1}\nsteps:\n  a: {skill: x}\n',
    );
    const failed = baton(['run', plan], { home });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/run run-\S+ failed/);
    expect(failed.stdout).toMatch(/step "a" failed: node exited with code 3/);
  });

  it('refuses a bad plan with file:line:col, exit 2, and writes nothing', () => {
    const home = tempDir();
    const dir = tempDir();
    const plan = join(dir, 'bad.yaml');
    writeFileSync(plan, 'baton: 1\nname: bad\nsteps:\n  a:\n    skill: x\n    colour: red\n');
    const result = baton(['run', plan], { home });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${plan}:6:5 steps.a.colour: unknown field "colour"`);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(existsSync(join(home, 'baton.db'))).toBe(false);

    const missing = baton(['run', 'examples/quickstart.yaml', '--input', 'publish=maybe'], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('input "publish" must be a boolean, got "maybe"');
    expect(existsSync(join(home, 'baton.db'))).toBe(false);

    // Reading commands do not create a workspace where there is none.
    expect(baton(['status', 'run-nope'], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no Baton workspace at'),
    });
    expect(baton(['status'], { home })).toMatchObject({ code: 0, stdout: expect.stringContaining('no runs yet') });
    expect(existsSync(join(home, 'baton.db'))).toBe(false);
    expect(baton(['frobnicate'], { home }).code).toBe(2);
    expect(JSON.parse(baton(['frobnicate', '--json'], { home }).stdout)).toEqual({
      error: { code: 'bad_input', message: "unknown command 'frobnicate'" },
    });
  });

  it('detects a ledger row edited in the database file and names its seq', () => {
    const home = tempDir();
    const run = baton(['run', 'examples/quickstart.yaml', '--json'], { home });
    const { runId } = JSON.parse(run.stdout) as { runId: string };
    expect(baton(['verify', runId], { home }).code).toBe(0);

    const db = new Database(join(home, 'baton.db'));
    const row = db
      .prepare("SELECT seq, data FROM events WHERE run_id = ? AND type = 'step.succeeded' ORDER BY seq LIMIT 1")
      .get(runId) as { seq: number; data: string };
    db.prepare('UPDATE events SET data = ? WHERE run_id = ? AND seq = ?').run(
      row.data.replace('"ok":true', '"ok":false'),
      runId,
      row.seq,
    );
    db.close();

    const verify = baton(['verify', runId], { home });
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(
      `${runId}: ledger verification FAILED at seq ${row.seq}: content does not match its hash`,
    );
    const json = JSON.parse(baton(['verify', runId, '--json'], { home }).stdout) as { ok: boolean; seq: number }[];
    expect(json).toEqual([expect.objectContaining({ ok: false, seq: row.seq })]);
    // Every command that reads the run reports the tampering, never a confused state.
    for (const command of [
      ['status', runId],
      ['resume', runId],
      ['run', 'examples/quickstart.yaml', '--run-id', runId],
    ]) {
      const result = baton(command, { home });
      expect(result.code, command.join(' ')).toBe(1);
      expect(result.stderr).toContain(`the ledger of run "${runId}" fails verification at seq ${row.seq}`);
    }
    expect(baton(['status', 'run-nope'], { home })).toMatchObject({
      code: 2,
      stderr: 'baton: run "run-nope" not found\n',
    });
  });

  it('validates a plan that uses function capabilities given with --capabilities, as run does', () => {
    const home = tempDir();
    const dir = tempDir();
    const plan = join(dir, 'fn.yaml');
    writeFileSync(plan, 'baton: 1\nname: fn\nsteps:\n  a: {capability: scorer-fn}\n');
    const without = baton(['validate', plan], { home });
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('unknown capability "scorer-fn"');
    const module = join(dir, 'caps.mjs');
    writeFileSync(module, "export default [{ id: 'scorer-fn', skills: { score: 0.9 }, run: async () => 1 }];\n");
    const withCaps = baton(['validate', plan, '--capabilities', module], { home });
    expect(withCaps).toMatchObject({ code: 0, stderr: '' });
    expect(withCaps.stdout).toContain('plan "fn" is valid (1 steps, 0 capabilities)');
    expect(baton(['validate', plan, '--capabilities', join(dir, 'nope.mjs')], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--capabilities: no file at'),
    });
    expect(existsSync(home) && existsSync(join(home, 'baton.db'))).toBe(false);
  });

  it('refuses a plan file that is not UTF-8, saying where or which encoding it is in', () => {
    const home = tempDir();
    const dir = tempDir();
    const latin1 = join(dir, 'latin1.yaml');
    writeFileSync(
      latin1,
      Buffer.from(
        'baton: 1\nname: caf\xe9\ncapabilities:\n  c: {kind: command, command: [echo], skills: {x: 1}}\nsteps:\n  a: {skill: x}\n',
        'latin1',
      ),
    );
    expect(baton(['validate', latin1], { home })).toMatchObject({
      code: 2,
      stderr: `baton: invalid plan\n  ${latin1}:2:10 (plan): plan files must be UTF-8: byte 0xE9 at offset 18 is not valid UTF-8 (is the file in Latin-1 or another encoding?)\n`,
    });
    const utf16 = join(dir, 'utf16.yaml');
    writeFileSync(
      utf16,
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from('baton: 1\nname: x\nsteps:\n  a: {skill: x}\n', 'utf16le'),
      ]),
    );
    expect(baton(['validate', utf16], { home })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`${utf16}:1:1 (plan): plan files must be UTF-8 (this file is UTF-16 LE)`),
    });
  });

  it('prints the JSON Schema of the plan language', () => {
    const schema = JSON.parse(baton(['schema'], { home: tempDir() }).stdout) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['baton', 'name', 'inputs', 'capabilities', 'steps']),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['baton', 'name', 'steps']));
  });
});
