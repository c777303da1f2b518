import { describe, expect, it } from 'vitest';
import type { RunState } from '../../src/core/index.js';
import { QueueTransport, REPORTED_WORK_POLL_MS } from '../../src/engine/queue-transport.js';
import type { PlannedRound } from '../../src/engine/run-round.js';
import type { Store, StoreNotice, WorkItem, WorkReport } from '../../src/store/index.js';

const succeeded = (attemptId: string): WorkReport['outcome'] => ({
  type: 'attempt.succeeded',
  data: { attemptId, output: null, durationMs: 1 },
});

/** A queue whose reported items the test sets, counting reads; notices are delivered by hand. */
function fakeQueue() {
  const queue = {
    reported: [] as WorkItem[],
    reads: 0,
    notify: (_notice: StoreNotice): void => undefined,
  };
  const store = {
    subscribe: async (listener: (notice: StoreNotice) => void) => {
      queue.notify = listener;
      return async () => undefined;
    },
    reportedWork: async () => {
      queue.reads += 1;
      return queue.reported;
    },
    listWork: async () => [],
  } as unknown as Store;
  return { queue, store };
}

/** Only what collect reads of a run's state: the attempts it still awaits. */
const awaiting = (...attemptIds: string[]) =>
  ({ inflight: new Map(attemptIds.map((id) => [id, id])) }) as unknown as RunState;

async function openTransport() {
  const { queue, store } = fakeQueue();
  // A lease long enough that no lapsed-lease check runs in these tests.
  const transport = new QueueTransport({ store, runId: 'r1', leaseMs: 3_600_000 });
  let nudges = 0;
  await transport.open(() => (nudges += 1));
  expect(await transport.collect(awaiting(), 1_000)).toEqual([]); // the first collect always reads
  return { queue, transport, nudges: () => nudges };
}

describe('QueueTransport', () => {
  it('records the outcomes a notice carries without reading the queue', async () => {
    const { queue, transport, nudges } = await openTransport();
    queue.notify({
      topic: 'outcomes',
      runId: 'r1',
      reports: [{ runId: 'r1', attemptId: 'a/1', outcome: succeeded('a/1') }],
    });
    expect(nudges()).toBe(1);
    expect(await transport.collect(awaiting('a/1'), 1_010)).toEqual([succeeded('a/1')]);
    expect(queue.reads).toBe(1);
  });

  it('reads the queue when a notice came without its outcomes (too large to carry)', async () => {
    const { queue, transport } = await openTransport();
    queue.reported = [{ attemptId: 'a/1', outcome: succeeded('a/1') } as WorkItem];
    queue.notify({ topic: 'outcomes', runId: 'r1' });
    expect(await transport.collect(awaiting('a/1'), 1_010)).toEqual([succeeded('a/1')]);
    expect(queue.reads).toBe(2);
  });

  it('never records an outcome twice when the row was read before its notice arrived', async () => {
    const { queue, transport } = await openTransport();
    queue.reported = [{ attemptId: 'a/1', outcome: succeeded('a/1') } as WorkItem];
    expect(await transport.collect(awaiting('a/1'), 1_000 + REPORTED_WORK_POLL_MS)).toEqual([succeeded('a/1')]);
    queue.reported = [];
    // The notice's copy arrives after the round that recorded the row's: the attempt is no longer awaited.
    queue.notify({
      topic: 'outcomes',
      runId: 'r1',
      reports: [{ runId: 'r1', attemptId: 'a/1', outcome: succeeded('a/1') }],
    });
    expect(await transport.collect(awaiting(), 1_010 + REPORTED_WORK_POLL_MS)).toEqual([]);
    // ...and before it: the outcome is already being recorded.
    queue.reported = [{ attemptId: 'b/1', outcome: succeeded('b/1') } as WorkItem];
    expect(await transport.collect(awaiting('b/1'), 1_010 + 2 * REPORTED_WORK_POLL_MS)).toEqual([succeeded('b/1')]);
    queue.notify({
      topic: 'outcomes',
      runId: 'r1',
      reports: [{ runId: 'r1', attemptId: 'b/1', outcome: succeeded('b/1') }],
    });
    expect(await transport.collect(awaiting('b/1'), 1_020 + 2 * REPORTED_WORK_POLL_MS)).toEqual([]);
  });

  it("leaves an outcome of an attempt it no longer awaits to the queue's row, and ignores other runs' notices", async () => {
    const { queue, transport, nudges } = await openTransport();
    queue.notify({
      topic: 'outcomes',
      runId: 'r2',
      reports: [{ runId: 'r2', attemptId: 'a/1', outcome: succeeded('a/1') }],
    });
    expect(nudges()).toBe(0);
    queue.notify({
      topic: 'outcomes',
      runId: 'r1',
      reports: [{ runId: 'r1', attemptId: 'a/1', outcome: succeeded('a/1') }],
    });
    queue.reported = [{ attemptId: 'a/1', outcome: succeeded('a/1') } as WorkItem];
    // Given up (not in flight): the row is read, and the conductor records its outcome as stale.
    expect(await transport.collect(awaiting(), 1_010)).toEqual([succeeded('a/1')]);
    expect(queue.reads).toBe(2);
  });

  it('still reads the queue every REPORTED_WORK_POLL_MS, for a notice that was lost', async () => {
    const { queue, transport } = await openTransport();
    queue.reported = [{ attemptId: 'a/1', outcome: succeeded('a/1') } as WorkItem];
    expect(await transport.collect(awaiting('a/1'), 1_000 + REPORTED_WORK_POLL_MS - 1)).toEqual([]);
    expect(await transport.collect(awaiting('a/1'), 1_000 + REPORTED_WORK_POLL_MS)).toEqual([succeeded('a/1')]);
  });

  it("hands the next round's items to a worker that offered, up to its free slots, only of what it just ran, once", async () => {
    const { queue, transport } = await openTransport();
    queue.notify({
      topic: 'outcomes',
      runId: 'r1',
      reports: [{ runId: 'r1', attemptId: 'a/1', outcome: succeeded('a/1') }],
      offer: { workerId: 'w1', free: 2, ran: [{ capability: 'fn', skill: 'bench' }] },
    });
    await transport.collect(awaiting('a/1'), 1_010);
    const item = (attemptId: string, capability: string, skill: string | null) =>
      ({ attemptId, capability, skill, claimedBy: null, leaseUntil: null }) as WorkItem;
    const round = {
      batch: {
        enqueue: [
          item('b/1', 'fn', 'bench'),
          item('c/1', 'other', 'bench'),
          item('d/1', 'fn', 'x'),
          item('e/1', 'fn', 'bench'),
          item('f/1', 'fn', 'bench'),
        ],
      },
    } as unknown as PlannedRound;
    transport.handOut(round, 2_000);
    expect(
      round.batch.enqueue.map(({ attemptId, claimedBy, leaseUntil }) => [attemptId, claimedBy, leaseUntil]),
    ).toEqual([
      ['b/1', 'w1', 2_000 + 3_600_000],
      ['c/1', null, null],
      ['d/1', null, null],
      ['e/1', 'w1', 2_000 + 3_600_000],
      ['f/1', null, null],
    ]);
    const next = { batch: { enqueue: [item('g/1', 'fn', 'bench')] } } as unknown as PlannedRound;
    transport.handOut(next, 3_000);
    expect(next.batch.enqueue[0]?.claimedBy).toBeNull();
  });
});
