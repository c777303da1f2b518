import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton } from './cli.js';
import { connect, ok, refused } from './mcp-client.js';

/** Two people's tasks in a row: the run waits on `draft` while an agent changes its course. */
const PLAN = {
  baton: 1,
  name: 'steered',
  capabilities: { writer: { kind: 'human', skills: { write: 1 } } },
  steps: {
    draft: { skill: 'write' },
    polish: { skill: 'write', after: ['draft'] },
  },
};

const REVISED = { ...PLAN, steps: { ...PLAN.steps, summary: { skill: 'write', after: ['polish'] } } };

/** A revision that would run a program as the server's user. */
const WITH_COMMAND = {
  ...PLAN,
  capabilities: { ...PLAN.capabilities, shell: { kind: 'command', command: ['node', '-v'], skills: { write: 1 } } },
};

interface Recorded {
  runId: string;
  event: { type: string; data: Record<string, unknown> };
  summary: string;
}

interface LogEvent {
  type: string;
  data: Record<string, unknown>;
}

/** The run's events as the workspace database holds them, once `baton verify` has checked the chain. */
function ledger(home: string, runId: string): LogEvent[] {
  const verify = baton(['verify', runId], { home });
  expect(verify.code, verify.stderr).toBe(0);
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

describe('steering a run over MCP: cancel_step, defer_step, revise_plan, revert_plan', () => {
  it('an agent changes a run mid-course under the operate scope; each change is an event by the session principal', async () => {
    const home = tempDir();
    const agent = await connect(home, ['--by', 'agent-1']);
    const started = await ok<{ runId: string; status: string }>(agent.client, 'submit_plan', {
      plan: PLAN,
      waitSeconds: 0,
    });
    const runId = started.runId;

    const deferred = await ok<Recorded>(agent.client, 'defer_step', { runId, step: 'polish', signal: 'ready' });
    expect(deferred.event).toMatchObject({ type: 'step.deferred', data: { step: 'polish', signal: 'ready' } });

    const revised = await ok<Recorded>(agent.client, 'revise_plan', { runId, plan: REVISED });
    expect(revised.event).toMatchObject({ type: 'plan.revised', data: { revision: 2, by: 'agent-1' } });

    // A revision that runs programs needs admin: refused, and nothing is written.
    expect(await refused(agent.client, 'revise_plan', { runId, plan: WITH_COMMAND })).toMatch(
      /^forbidden: plan "steered" declares capabilities that act as the server's user.*\(shell \(command\)\): to revise it needs the admin scope; agent-1 has read, operate/,
    );

    const reverted = await ok<Recorded>(agent.client, 'revert_plan', { runId, to: 1 });
    expect(reverted.event).toMatchObject({ type: 'plan.revised', data: { revision: 3, revertOf: 1 } });

    const cancelled = await ok<Recorded>(agent.client, 'cancel_step', { runId, step: 'draft', reason: 'not needed' });
    expect(cancelled.event).toMatchObject({
      type: 'step.cancel_requested',
      data: { step: 'draft', by: 'agent-1', reason: 'not needed' },
    });

    const steering = ledger(home, runId)
      .filter((event) => ['step.deferred', 'plan.revised', 'step.cancel_requested'].includes(event.type))
      .map((event) => [event.type, event.data.by]);
    expect(steering).toEqual([
      ['step.deferred', 'agent-1'],
      ['plan.revised', 'agent-1'],
      ['plan.revised', 'agent-1'],
      ['step.cancel_requested', 'agent-1'],
    ]);
  });

  it('refuses a read-only session and bad input with what would be valid, writing nothing', async () => {
    const home = tempDir();
    const agent = await connect(home, ['--by', 'agent-1']);
    const { runId } = await ok<{ runId: string }>(agent.client, 'submit_plan', { plan: PLAN, waitSeconds: 0 });
    const before = ledger(home, runId).length;

    const reader = await connect(home, ['--by', 'watcher', '--scope', 'read']);
    for (const [tool, args] of [
      ['cancel_step', { runId, step: 'draft' }],
      ['defer_step', { runId, step: 'polish', until: '10m' }],
      ['revise_plan', { runId, plan: REVISED }],
      ['revert_plan', { runId, to: 1 }],
    ] as const)
      expect(await refused(reader.client, tool, args), tool).toMatch(
        new RegExp(
          `^forbidden: the tool ${tool} needs the "operate" scope, which this MCP session does not have \\(it has: read\\)`,
        ),
      );

    expect(await refused(agent.client, 'defer_step', { runId, step: 'polish' })).toBe(
      'bad_input: give `until` (a time or a duration), `signal` (a name), or both',
    );
    expect(await refused(agent.client, 'defer_step', { runId, step: 'polish', until: 'soon' })).toMatch(
      /^bad_input: until expects an ISO 8601 time .* got "soon"/,
    );
    expect(await refused(agent.client, 'cancel_step', { runId, step: 'drfat' })).toMatch(/drfat/);
    expect(await refused(agent.client, 'revert_plan', { runId, to: 7 })).toBe(
      `not_found: revision 7 of run "${runId}" (it has revisions 1 to 1) not found`,
    );
    expect(await refused(agent.client, 'revise_plan', { runId, plan: PLAN })).toMatch(
      /^conflict: run ".*" already runs this plan/,
    );
    expect(ledger(home, runId)).toHaveLength(before);
  });
});
