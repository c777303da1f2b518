import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, ROOT, type CliResult } from './cli.js';

/** The reference MCP servers, published on npm by the protocol's maintainers (devDependencies). */
const EVERYTHING = [`${ROOT}node_modules/.bin/mcp-server-everything`, 'stdio'];
const FILESYSTEM = `${ROOT}node_modules/.bin/mcp-server-filesystem`;
const MEMORY = `${ROOT}node_modules/.bin/mcp-server-memory`;

/** A value handed to a server through `env_from`: a secret by that alone, whatever its variable's name. */
const SETTING = 'mcp-setting-4b7e1d9a0c3f';
/** A variable of Baton's environment that no config hands to a server. */
const UNSHARED = 'baton-only-8c2f6a1e5d';

function expectCode(result: CliResult, code: number): void {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(code);
}

function writePlan(dir: string, plan: Record<string, unknown>): string {
  const file = join(dir, 'plan.json');
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

interface LedgerEvent {
  type: string;
  data: Record<string, unknown>;
}

function events(home: string, runId: string): LedgerEvent[] {
  const db = new Database(join(home, 'baton.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT type, data FROM events WHERE run_id = ? ORDER BY seq').all(runId) as {
      type: string;
      data: string;
    }[];
    return rows.map((row) => ({ type: row.type, data: JSON.parse(row.data) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

/** What each step's accepted or failed attempts recorded, by the capability they were dispatched to. */
function attempts(ledger: LedgerEvent[]): { step: string; capability: string; outcome: LedgerEvent }[] {
  const dispatched = new Map(
    ledger.filter((e) => e.type === 'attempt.dispatched').map((e) => [e.data.attemptId as string, e.data]),
  );
  return ledger
    .filter((e) => e.type === 'attempt.succeeded' || e.type === 'attempt.failed')
    .map((outcome) => {
      const dispatch = dispatched.get(outcome.data.attemptId as string)!;
      return { step: dispatch.step as string, capability: dispatch.capability as string, outcome };
    });
}

function workspaceBytes(home: string): Buffer {
  const files = readdirSync(home, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  expect(files).toContain(join(home, 'baton.db'));
  return Buffer.concat(files.map((file) => readFileSync(file)));
}

describe('mcp capabilities on the reference MCP servers', () => {
  it('calls tools over stdio: the output is the tool text or structured content, in the ledger, secrets redacted', () => {
    const home = tempDir();
    const dir = tempDir();
    const memoryFile = join(dir, 'memory.jsonl');
    const plan = writePlan(dir, {
      baton: 1,
      name: 'mcp-tools',
      capabilities: {
        echo: { kind: 'mcp', skills: {}, server: { command: EVERYTHING }, tool: 'echo', timeout: '60s' },
        env: {
          kind: 'mcp',
          skills: {},
          server: { command: EVERYTHING, env_from: { SHOWN_SETTING: 'MCP_DEMO_SETTING' } },
          tool: 'get-env',
        },
        memory: {
          kind: 'mcp',
          skills: {},
          server: { command: [MEMORY], env_from: { MEMORY_FILE_PATH: 'MCP_MEMORY_FILE' } },
          tool: 'create_entities',
        },
      },
      steps: {
        say: { capability: 'echo', input: { message: 'hello from baton' } },
        remember: {
          capability: 'memory',
          input: { entities: [{ name: 'baton', entityType: 'engine', observations: ['conducts'] }] },
        },
        env: { capability: 'env' },
      },
    });
    const env = { MCP_DEMO_SETTING: SETTING, MCP_MEMORY_FILE: memoryFile, UNSHARED_VALUE: UNSHARED };
    expectCode(baton(['run', plan, '--run-id', 'mcp-1'], { home, env }), 0);

    const outcomes = attempts(events(home, 'mcp-1'));
    expect(outcomes.map(({ step, capability, outcome }) => [step, capability, outcome.type]).sort()).toEqual([
      ['env', 'env', 'attempt.succeeded'],
      ['remember', 'memory', 'attempt.succeeded'],
      ['say', 'echo', 'attempt.succeeded'],
    ]);
    const output = (step: string): unknown => outcomes.find((o) => o.step === step)!.outcome.data.output;
    expect(output('say')).toBe('Echo: hello from baton');
    // The memory server answers with structured content, which is the step's output as it is.
    expect(output('remember')).toEqual({
      entities: [{ name: 'baton', entityType: 'engine', observations: ['conducts'] }],
    });
    expect(readFileSync(memoryFile, 'utf8')).toContain('"name":"baton"');
    // The server got the variable it was handed, redacted in what it said, and nothing else of Baton's environment.
    const serverEnv = JSON.parse(output('env') as string) as Record<string, string>;
    expect(serverEnv.SHOWN_SETTING).toBe('[redacted:MCP_DEMO_SETTING]');
    expect(Object.values(serverEnv)).not.toContain(UNSHARED);
    expect(serverEnv.BATON_HOME).toBeUndefined();

    // Which server and tool each capability calls is in the plan the run recorded; no value is.
    const created = events(home, 'mcp-1').find((e) => e.type === 'run.created')!;
    expect(created.data.plan).toMatchObject({
      capabilities: { echo: { tool: 'echo', server: { command: EVERYTHING, cwd: dir } } },
    });
    expect(workspaceBytes(home).includes(SETTING)).toBe(false);
  });

  it('carries a tool error as the step failure, not retried, with the server and tool', () => {
    const home = tempDir();
    const allowed = tempDir();
    writeFileSync(join(allowed, 'notes.txt'), 'inside the scope');
    const outside = join(tempDir(), 'private.txt');
    writeFileSync(outside, 'not for the server');
    const server = { command: [FILESYSTEM, allowed] };
    const plan = writePlan(tempDir(), {
      baton: 1,
      name: 'mcp-fs',
      capabilities: { read: { kind: 'mcp', skills: {}, server, tool: 'read_text_file' } },
      steps: {
        inside: { capability: 'read', input: { path: join(allowed, 'notes.txt') } },
        outside: { capability: 'read', input: { path: outside }, after: ['inside'] },
      },
    });
    const result = baton(['run', plan, '--run-id', 'mcp-fs-1'], { home });
    expectCode(result, 1);
    expect(result.stdout).toContain('step "outside" failed: read_text_file: Access denied');

    const outcomes = attempts(events(home, 'mcp-fs-1'));
    // The filesystem server answers with structured content: that is the output, not its text.
    expect(outcomes.find((o) => o.step === 'inside')!.outcome.data.output).toEqual({ content: 'inside the scope' });
    const failures = outcomes.filter((o) => o.step === 'outside');
    expect(failures).toHaveLength(1);
    expect(failures[0]!.outcome).toMatchObject({
      type: 'attempt.failed',
      data: {
        error: {
          type: 'tool_error',
          retryable: false,
          message: expect.stringContaining('path outside allowed directories'),
          detail: { server: `${FILESYSTEM} ${allowed}`, tool: 'read_text_file' },
        },
      },
    });
  });

  it('refuses at pre-flight, exit 2 and nothing written, a tool the server lacks and a server that cannot start', () => {
    const home = tempDir();
    const plan = writePlan(tempDir(), {
      baton: 1,
      name: 'mcp-refused',
      capabilities: {
        memory: { kind: 'mcp', skills: {}, server: { command: [MEMORY] }, tool: 'forget_everything' },
        ghost: { kind: 'mcp', skills: {}, server: { command: ['./no-such-mcp-server'] }, tool: 'anything' },
      },
      steps: { a: { capability: 'memory' }, b: { capability: 'ghost' } },
    });
    const result = baton(['run', plan], { home });
    expectCode(result, 2);
    expect(result.stderr).toContain(
      `${plan} capabilities.memory.tool: MCP server ${MEMORY} offers no tool "forget_everything"; it offers: create_entities, create_relations`,
    );
    expect(result.stderr).toContain(
      `${plan} capabilities.ghost.server: cannot reach MCP server ./no-such-mcp-server to check tool "anything": `,
    );
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(join(home, 'baton.db'))).toBe(false);

    // A dry run admits the plan the same way, so it reports the same.
    const dry = baton(['run', plan, '--dry-run'], { home });
    expectCode(dry, 2);
    expect(dry.stderr).toContain('capabilities.memory.tool: MCP server');
  });
});
