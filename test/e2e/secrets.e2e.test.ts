import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, type CliResult } from './cli.js';

const SECRET = 'sk-live-7f3a9c2e5b8d1f4a6c0e';
const DEPLOY_URL = 'https://deploy:hunter2-deploy@ci.example.com/hook';

function expectCode(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

/** A command capability that runs `script` with node. */
function node(script: string): { kind: 'command'; skills: Record<string, number>; command: string[] } {
  return { kind: 'command', skills: {}, command: [process.execPath, '-e', script] };
}

function writePlan(plan: Record<string, unknown>): string {
  const file = join(tempDir(), 'plan.json');
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

/** Every file of the workspace: the database, its WAL and journal if any, and the artifact store. */
function workspaceBytes(home: string): Buffer {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk(home);
  expect(files).toContain(join(home, 'baton.db'));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

function events(home: string, runId: string): { type: string; data: string }[] {
  const db = new Database(join(home, 'baton.db'), { readonly: true });
  try {
    return db.prepare('SELECT type, data FROM events WHERE run_id = ? ORDER BY seq').all(runId) as {
      type: string;
      data: string;
    }[];
  } finally {
    db.close();
  }
}

describe('secrets in what commands print', () => {
  it('keeps the value of a *_KEY variable and of a declared secret out of the database and the artifact store', () => {
    const home = tempDir();
    const plan = writePlan({
      baton: 1,
      name: 'leaky',
      constraints: { secrets: ['DEPLOY_URL'] },
      capabilities: {
        show: {
          ...node(
            `process.stdout.write(JSON.stringify({ key: process.env.MY_API_KEY, [process.env.MY_API_KEY]: [process.env.DEPLOY_URL], note: 'using ' + process.env.MY_API_KEY }))`,
          ),
          skills: { show: 1 },
        },
        keep: {
          ...node(
            `require('fs').writeFileSync(process.env.BATON_ARTIFACTS_DIR + '/report.txt', 'done'); console.log(JSON.stringify(process.env.DEPLOY_URL))`,
          ),
          skills: { keep: 1 },
        },
        fail: {
          ...node(`console.error('fatal: the server refused key ' + process.env.MY_API_KEY); process.exit(1)`),
          skills: { fail: 1 },
        },
      },
      steps: { show: { skill: 'show' }, keep: { skill: 'keep' }, fail: { skill: 'fail', after: ['show', 'keep'] } },
    });
    expectCode(baton(['run', plan, '--run-id', 'leaky-1'], { home, env: { MY_API_KEY: SECRET, DEPLOY_URL } }), 1);

    // A value in the database is a value no purge can remove without breaking the hash chain.
    expect(existsSync(join(home, 'artifacts'))).toBe(true);
    const bytes = workspaceBytes(home);
    expect(bytes.includes(SECRET)).toBe(false);
    expect(bytes.includes(DEPLOY_URL)).toBe(false);

    const byType = (type: string): unknown[] =>
      events(home, 'leaky-1')
        .filter((event) => event.type === type)
        .map((event) => JSON.parse(event.data) as unknown);
    expect(byType('attempt.succeeded')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          output: {
            key: '[redacted:MY_API_KEY]',
            '[redacted:MY_API_KEY]': ['[redacted:DEPLOY_URL]'],
            note: 'using [redacted:MY_API_KEY]',
          },
        }),
        expect.objectContaining({ output: '[redacted:DEPLOY_URL]' }),
      ]),
    );
    const failure = 'fatal: the server refused key [redacted:MY_API_KEY]';
    expect(byType('attempt.failed')).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({
          message: `${process.execPath} exited with code 1: ${failure}`,
          detail: expect.objectContaining({ stderr: `${failure}\n` }),
        }),
      }),
    ]);
    expect(byType('step.failed')).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ message: `${process.execPath} exited with code 1: ${failure}` }),
      }),
    ]);
    // The names are kept: they say what was there.
    expect(bytes.includes('[redacted:MY_API_KEY]')).toBe(true);
  });

  it('leaves no piece of a secret where a long stderr is cut to its tail', () => {
    const home = tempDir();
    // The tail kept is the last 4 KiB: the cut falls inside the secret, leaving its last characters.
    const script = `process.stderr.write('x' + process.env.MY_API_KEY + '\\n' + 'a'.repeat(4096 - 10)); process.exit(3)`;
    const plan = writePlan({
      baton: 1,
      name: 'long-stderr',
      capabilities: { loud: { ...node(script), skills: { loud: 1 } } },
      steps: { loud: { skill: 'loud' } },
    });
    expectCode(baton(['run', plan, '--run-id', 'long-1'], { home, env: { MY_API_KEY: SECRET } }), 1);
    const bytes = workspaceBytes(home);
    expect(bytes.includes(SECRET.slice(-8))).toBe(false);
    const [failed] = events(home, 'long-1')
      .filter((event) => event.type === 'attempt.failed')
      .map((event) => JSON.parse(event.data) as { error: { detail: { stderr: string } } });
    expect(failed?.error.detail.stderr).toBe('a'.repeat(4096 - 10));
  });

  it('redacts the variables BATON_SECRET_PATTERNS names instead of the default patterns', () => {
    const home = tempDir();
    const plan = writePlan({
      baton: 1,
      name: 'patterns',
      capabilities: {
        show: {
          ...node(`console.log(JSON.stringify([process.env.VAULT_ROLE_ID, process.env.MY_API_KEY]))`),
          skills: { show: 1 },
        },
      },
      steps: { show: { skill: 'show' } },
    });
    expectCode(
      baton(['run', plan, '--run-id', 'patterns-1'], {
        home,
        env: { BATON_SECRET_PATTERNS: 'vault_*', VAULT_ROLE_ID: 'role-0d9e8f7a6b5c', MY_API_KEY: SECRET },
      }),
      0,
    );
    const [succeeded] = events(home, 'patterns-1')
      .filter((event) => event.type === 'attempt.succeeded')
      .map((event) => JSON.parse(event.data) as { output: unknown });
    expect(succeeded?.output).toEqual(['[redacted:VAULT_ROLE_ID]', SECRET]);
  });

  it('refuses a plan whose secrets entry is not a variable name, with exit 2', () => {
    const home = tempDir();
    const plan = writePlan({
      baton: 1,
      name: 'bad',
      constraints: { secrets: ['MY KEY'] },
      capabilities: { show: { ...node('1'), skills: { show: 1 } } },
      steps: { show: { skill: 'show' } },
    });
    const result = baton(['validate', plan], { home });
    expectCode(result, 2);
    expect(result.stderr).toContain(
      'constraints.secrets[0]: an environment variable name is letters, digits and _, not starting with a digit (for example `DEPLOY_URL`)',
    );
  });
});
