import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaton, type Baton, type LedgerEvent } from '../../src/index.js';
import { evolve, type Plan } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';

type Created = Extract<LedgerEvent, { type: 'run.created' }>;

const GIVEN = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A command that answers with the correlation variables it was started with. */
const echoEnv: Plan = {
  baton: 1,
  name: 'echo-env',
  capabilities: {
    sh: {
      kind: 'command',
      command: [
        process.execPath,
        '-e',
        'process.stdout.write(JSON.stringify({ id: process.env.BATON_CORRELATION_ID ?? null, parent: process.env.TRACEPARENT ?? null }))',
      ],
      skills: { env: 1 },
    },
  },
  steps: { look: { skill: 'env' } },
} as Plan;

let baton: Baton;
afterEach(async () => {
  await baton.close();
});

async function createdOf(runId: string): Promise<Created> {
  const [created] = await baton.events(runId, 0, 1);
  if (created?.type !== 'run.created') throw new Error(`run ${runId} has no run.created`);
  return created;
}

describe('correlation ids', () => {
  it("records the caller's id once in run.created, hands it to commands, and shows it in the run's status", async () => {
    baton = await createBaton({ home: tempDir() });
    const handle = await baton.submit(echoEnv, { correlationId: GIVEN });
    const result = await handle.result();
    expect(result.status).toBe('succeeded');
    expect((await createdOf(handle.runId)).data.correlationId).toBe(GIVEN);
    const seen = result.outputs.look as { id: string; parent: string };
    expect(seen.id).toBe(GIVEN);
    expect(TRACEPARENT.exec(seen.parent)?.[1]).toBe(GIVEN);
    // Recorded once: no other event has a field for it (the command's echo is only in outputs).
    const events = await baton.events(handle.runId);
    expect(events.filter((event) => 'correlationId' in event.data).map((event) => event.type)).toEqual(['run.created']);
    const { view } = await baton.runStatus(handle.runId);
    expect(view.correlationId).toBe(GIVEN);
  });

  it('makes a distinct W3C trace id per run when the caller gives none, detached runs included', async () => {
    baton = await createBaton({ home: tempDir() });
    const first = await baton.submit(echoEnv);
    await first.result();
    const second = await baton.submitDetached(echoEnv);
    const ids = [(await createdOf(first.runId)).data.correlationId, (await createdOf(second)).data.correlationId];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it.each([
    ['upper case', GIVEN.toUpperCase()],
    ['too short', GIVEN.slice(1)],
    ['all zeros', '0'.repeat(32)],
    ['a traceparent', `00-${GIVEN}-00f067aa0ba902b7-01`],
  ])('refuses an id that is %s, with a clear error, writing nothing', async (_what, bad) => {
    baton = await createBaton({ home: tempDir() });
    await expect(baton.submit(echoEnv, { correlationId: bad })).rejects.toMatchObject({
      code: 'bad_input',
      message: expect.stringMatching(
        /^correlationId: .* is not a correlation id; expected a W3C trace id, 32 lowercase hex/,
      ),
    });
    await expect(baton.submitDetached(echoEnv, { correlationId: bad })).rejects.toMatchObject({ code: 'bad_input' });
    expect(await baton.listRuns()).toEqual([]);
  });

  it('sends an http capability the run as a W3C traceparent header', async () => {
    const headers: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      headers.push(request.headers);
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      baton = await createBaton({ home: tempDir() });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const handle = await baton.submit(
        {
          baton: 1,
          name: 'hook',
          capabilities: { hook: { kind: 'http', url, skills: { call: 1 } } },
          steps: { call: { skill: 'call', input: { a: 1 } } },
        } as Plan,
        { correlationId: GIVEN },
      );
      expect((await handle.result()).status).toBe('succeeded');
      expect(headers).toHaveLength(1);
      expect(TRACEPARENT.exec(String(headers[0]?.traceparent))?.[1]).toBe(GIVEN);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("gives a sub-plan's child run its parent's id", async () => {
    baton = await createBaton({ home: tempDir() });
    baton.register({ id: 'shouter', skills: { shout: 1 }, run: (word: string) => word.toUpperCase() });
    const child = { baton: 1, name: 'team', steps: { shout: { skill: 'shout', input: 'hi' } } };
    const handle = await baton.submit({ baton: 1, name: 'parent', steps: { team: { plan: child } } } as Plan, {
      correlationId: GIVEN,
    });
    const result = await handle.result();
    expect(result.status).toBe('succeeded');
    const childId = (result.outputs.team as { runId: string }).runId;
    expect((await createdOf(childId)).data.correlationId).toBe(GIVEN);
  });

  it('folds a run.created written before correlation ids existed into a state without one', async () => {
    baton = await createBaton({ home: tempDir() });
    const handle = await baton.submit(echoEnv);
    await handle.result();
    const { correlationId: _dropped, ...older } = (await createdOf(handle.runId)).data;
    const state = evolve(undefined, {
      type: 'run.created',
      runId: handle.runId,
      at: '2026-01-01T00:00:00.000Z',
      data: older,
    });
    expect(state.correlationId).toBeUndefined();
    expect('correlationId' in state).toBe(false);
  });
});
