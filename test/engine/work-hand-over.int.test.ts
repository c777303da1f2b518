import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createBaton, type Baton } from '../../src/engine/index.js';
import type { StoreNotice } from '../../src/store/index.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { describePostgres, freshSchema } from '../support/postgres.js';
import { tempDir } from '../support/temp.js';

const STEPS = 12;

/** A chain of function steps, each `after` the one before. */
const chain = {
  baton: 1 as const,
  name: 'hand-over',
  steps: Object.fromEntries(
    Array.from({ length: STEPS }, (_, i) => [
      `s${i}`,
      { skill: 'echo', input: i, ...(i > 0 && { after: [`s${i - 1}`] }) },
    ]),
  ),
};

/**
 * A conductor (concurrency 0: every step to workers) and a worker, each on its own pool and its
 * own listening connection, as two processes would be. `dropHanded` makes the worker's store lose
 * every hand-over notice, as a listening connection that dropped would.
 */
async function conductorAndWorker(url: string, options: { dropHanded: boolean }) {
  const schema = freshSchema();
  const home = tempDir();
  const conductorStore = await PostgresStore.connect(url, { schema });
  const workerStore = await PostgresStore.connect(url, { schema });
  const claims: number[] = [];
  const claimWork = workerStore.claimWork.bind(workerStore);
  workerStore.claimWork = async (args) => {
    const items = await claimWork(args);
    if (items.length > 0) claims.push(items.length);
    return items;
  };
  const subscribe = workerStore.subscribe.bind(workerStore);
  workerStore.subscribe = (listener) =>
    subscribe((notice: StoreNotice) =>
      options.dropHanded && notice.topic === 'handed' ? undefined : listener(notice),
    );
  const register = (baton: Baton) => baton.register({ id: 'echo', skills: { echo: 1 }, run: (input) => input });
  // A short lease, so that renewals (every third of it) come often.
  const conductor = await createBaton({
    store: conductorStore,
    home: join(home, 'c'),
    concurrency: 0,
    distributed: true,
    leaseMs: 600,
  });
  const workerSide = await createBaton({ store: workerStore, home: join(home, 'w'), leaseMs: 600 });
  register(conductor);
  register(workerSide);
  const worker = await workerSide.work({ concurrency: 2 });
  return {
    conductor,
    claims,
    async close() {
      await worker.stop(0);
      await Promise.all([conductor.close(), workerSide.close()]);
    },
  };
}

describePostgres('handing work to the worker that offered to take it', (url) => {
  it('runs a chain with the next step handed to the idle worker, not claimed, and a ledger that verifies', async () => {
    const { conductor, claims, close } = await conductorAndWorker(url, { dropHanded: false });
    try {
      const handle = await conductor.submit(chain, { wait: true });
      const result = await handle.result();
      expect(result.status).toBe('succeeded');
      expect(result.succeeded).toBe(STEPS);
      expect((await conductor.verify(handle.runId)).ok).toBe(true);
      // The first step is claimed; each next one is handed over with the report of the one before.
      expect(claims.reduce((sum, n) => sum + n, 0)).toBeLessThan(STEPS / 2);
    } finally {
      await close();
    }
  });

  it('still runs every step once when every hand-over notice is lost: the worker hands the item back and claims it', async () => {
    const { conductor, claims, close } = await conductorAndWorker(url, { dropHanded: true });
    try {
      const handle = await conductor.submit(chain, { wait: true });
      const result = await handle.result();
      expect(result.status).toBe('succeeded');
      expect((await conductor.verify(handle.runId)).ok).toBe(true);
      const events = await conductor.events(handle.runId);
      // Handed back before its lease lapsed: no attempt was given up, none ran twice.
      expect(events.filter((event) => event.type === 'attempt.abandoned')).toEqual([]);
      expect(events.filter((event) => event.type === 'attempt.dispatched')).toHaveLength(STEPS);
      expect(claims.reduce((sum, n) => sum + n, 0)).toBe(STEPS);
    } finally {
      await close();
    }
  });
});
