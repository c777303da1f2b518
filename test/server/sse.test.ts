import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/core/index.js';
import { expectError, PLANS, settledRun, startServer, submit, waitFor, type Server } from './harness.js';
import { readSse, type SseMessage } from './sse-reader.js';

const key = (event: Pick<LedgerEvent, 'runId' | 'seq'>) => `${event.runId}#${event.seq}`;
const events = (messages: SseMessage[]) => messages.map((m) => JSON.parse(m.data) as LedgerEvent);

async function finish(s: Server, runId: string): Promise<void> {
  expect(
    (await s.call('POST', `/v1/runs/${runId}/results`, { body: { step: 'review', output: { ok: true } } })).status,
  ).toBe(202);
  await waitFor(
    () => s.baton.getRun(runId),
    ({ state }) => state.status === 'succeeded',
    `${runId} to succeed`,
  );
}

describe("a run's event stream", () => {
  it('resumes after a disconnect with Last-Event-ID: no event lost, none repeated, then ends with the run', async () => {
    const s = await startServer();
    const runId = await submit(s, PLANS.human);
    await settledRun(s, runId);
    const first = await readSse(await s.call('GET', `/v1/runs/${runId}/events`, { token: s.tokens.read }), 2);
    expect(first.map((m) => m.id)).toEqual(['1', '2']);
    // Gone mid-stream; meanwhile the run goes on to its end.
    await finish(s, runId);
    const lastId = first.at(-1)!.id!;
    const rest = await readSse(
      await s.call('GET', `/v1/runs/${runId}/events`, { token: s.tokens.read, headers: { 'Last-Event-ID': lastId } }),
      Infinity,
    );
    const ledger = await s.baton.events(runId);
    expect([...first, ...rest].map((m) => Number(m.id))).toEqual(ledger.map((e) => e.seq));
    expect(events([...first, ...rest])).toEqual(ledger);
    // The run has ended and nothing follows the last id: 204 tells EventSource to stop.
    const done = await s.call('GET', `/v1/runs/${runId}/events`, {
      token: s.tokens.read,
      headers: { 'Last-Event-ID': rest.at(-1)!.id! },
    });
    expect(done.status).toBe(204);
    await s.baton.close();
  });

  it('sends events recorded while it is open, and ?after= resumes as the header does', async () => {
    const s = await startServer();
    const runId = await submit(s, PLANS.human);
    await settledRun(s, runId);
    const head = (await s.baton.events(runId)).length;
    const open = s.call('GET', `/v1/runs/${runId}/events?after=${head}`, { token: s.tokens.read });
    const reading = readSse(await open, Infinity);
    await finish(s, runId);
    const live = await reading;
    expect(live.map((m) => Number(m.id))).toEqual((await s.baton.events(runId, head)).map((e) => e.seq));
    expect(live.length).toBeGreaterThan(0);
    await s.baton.close();
  });

  it('keeps an idle connection open with comment lines', async () => {
    const s = await startServer({ streams: { pollMs: 10, keepAliveMs: 30 } });
    const runId = await submit(s, PLANS.human);
    await settledRun(s, runId);
    const head = (await s.baton.events(runId)).length;
    const comments: string[] = [];
    const response = await s.call('GET', `/v1/runs/${runId}/events?after=${head}`, { token: s.tokens.read });
    await readSse(response, 1, { onComment: (text) => comments.push(text), timeoutMs: 300 });
    expect(comments.length).toBeGreaterThanOrEqual(2);
    expect(new Set(comments)).toEqual(new Set(['keep-alive']));
    await s.baton.close();
  });

  it('ends open streams when the server shuts down', async () => {
    const shutdown = new AbortController();
    const s = await startServer({ shutdown: shutdown.signal });
    const runId = await submit(s, PLANS.human);
    await settledRun(s, runId);
    // No deadline of the reader's own that the test could mistake for the end of the stream:
    // if shutting down does not end it, the read never returns and the test fails on its timeout.
    const reading = readSse(await s.call('GET', `/v1/runs/${runId}/events`, { token: s.tokens.read }), Infinity, {
      timeoutMs: 3_600_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    shutdown.abort();
    const messages = await reading;
    expect(messages.length).toBe((await s.baton.events(runId)).length);
    await s.baton.close();
  });
});

describe("the workspace's event stream", () => {
  it("resumes after a disconnect with Last-Event-ID across runs: every run's events, each once, in each run's order", async () => {
    const s = await startServer();
    const a = await submit(s, PLANS.human);
    const b = await submit(s, PLANS.human);
    await settledRun(s, a);
    await settledRun(s, b);
    const first = await readSse(await s.call('GET', '/v1/events', { token: s.tokens.read }), 5);
    expect(first).toHaveLength(5);
    await finish(s, a);
    await finish(s, b);
    const c = await submit(s, PLANS.quick);
    await waitFor(
      () => s.baton.getRun(c),
      ({ state }) => state.status === 'succeeded',
    );
    const total = (await Promise.all([a, b, c].map((id) => s.baton.events(id)))).flat().length;
    const rest = await readSse(
      await s.call('GET', '/v1/events', { token: s.tokens.read, headers: { 'Last-Event-ID': first.at(-1)!.id! } }),
      total - first.length,
    );
    const all = events([...first, ...rest]);
    expect(all).toHaveLength(total);
    expect(new Set(all.map(key)).size).toBe(total);
    for (const runId of [a, b, c]) expect(all.filter((e) => e.runId === runId)).toEqual(await s.baton.events(runId));
    // The ids are the store's positions, in the store's order.
    expect([...first, ...rest].map((m) => m.id)).toEqual(
      (await s.baton.store.readEventsAfter(undefined, 1_000)).map((p) => p.position),
    );
    await s.baton.close();
  });

  it('a Last-Event-ID it never sent is a 400 that says why, at once: of another form, or past the newest event', async () => {
    const s = await startServer();
    const runId = await submit(s, PLANS.human);
    await settledRun(s, runId);
    const [newest] = (await s.baton.store.readEventsAfter(undefined, 1_000)).slice(-1);
    const beyond = String(Number(newest!.position) + 1);
    const past = await expectError(
      await s.call('GET', '/v1/events', { token: s.tokens.read, headers: { 'Last-Event-ID': beyond } }),
      400,
      'bad_input',
    );
    expect(past).toEqual({
      code: 'bad_input',
      message: 'invalid stream position',
      issues: [
        {
          path: ['header', 'Last-Event-ID'],
          message: `${beyond} is not a position in this workspace's event stream: it is past the newest event (${newest!.position}); resume with an id this stream sent, or without one to start from the first event`,
        },
      ],
    });
    expect(
      (await expectError(await s.call('GET', `/v1/events?after=${beyond}`, { token: s.tokens.read }), 400, 'bad_input'))
        .issues?.[0]?.path,
    ).toEqual(['query', 'after']);
    expect(
      (
        await expectError(
          await s.call('GET', '/v1/events', { token: s.tokens.read, headers: { 'Last-Event-ID': 'abc' } }),
          400,
          'bad_input',
        )
      ).issues?.[0]?.message,
    ).toMatch(/^"abc" is not a position in this workspace's event stream/);
    // The run's own stream: its ids are seqs, and one past the newest was never sent either.
    const head = (await s.baton.events(runId)).length;
    const runPast = await expectError(
      await s.call('GET', `/v1/runs/${runId}/events`, {
        token: s.tokens.read,
        headers: { 'Last-Event-ID': String(head + 1) },
      }),
      400,
      'bad_input',
    );
    expect(runPast.issues).toEqual([
      {
        path: ['header', 'Last-Event-ID'],
        message: `run "${runId}" has no event ${head + 1}: its newest is ${head}; resume with an id this stream sent, or without one to start from the first event`,
      },
    ]);
    // Its newest id is one it sent: the stream goes on from there.
    const going = await s.call('GET', `/v1/events`, {
      token: s.tokens.read,
      headers: { 'Last-Event-ID': newest!.position },
    });
    expect(going.status).toBe(200);
    await going.body?.cancel();
    await s.baton.close();
  });

  it('follows new events live, and keeps going after a run ends', async () => {
    const s = await startServer();
    const reading = readSse(await s.call('GET', '/v1/events', { token: s.tokens.read }), Infinity, {
      timeoutMs: 3_000,
    });
    const runId = await submit(s, PLANS.quick);
    await waitFor(
      () => s.baton.getRun(runId),
      ({ state }) => state.status === 'succeeded',
    );
    const count = (await s.baton.events(runId)).length;
    const second = await submit(s, PLANS.quick);
    await waitFor(
      () => s.baton.getRun(second),
      ({ state }) => state.status === 'succeeded',
    );
    const received = events(await reading);
    expect(received.map(key)).toEqual([...(await s.baton.events(runId)), ...(await s.baton.events(second))].map(key));
    expect(received.length).toBeGreaterThan(count);
    await s.baton.close();
  });
});
