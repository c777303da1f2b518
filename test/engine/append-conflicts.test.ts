import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/index.js';
import { createBaton, plan } from '../../src/index.js';
import { SqliteStore, type AppendBatch } from '../../src/store/index.js';
import { tempDir } from '../support/temp.js';

/** A real SQLite store whose appends to an existing run always lose the race, as if another process kept appending. */
class AlwaysConflicting extends SqliteStore {
  refused = 0;

  override async append(batch: AppendBatch): Promise<void> {
    if (batch.expectedSeq === 0) return super.append(batch);
    this.refused += 1;
    throw new ConflictError(`run "${batch.runId}" moved past seq ${batch.expectedSeq}; another process appended to it`);
  }
}

describe('a driver whose appends keep conflicting', () => {
  it('gives up after a bounded number of retries instead of spinning', async () => {
    const store = new AlwaysConflicting(join(tempDir(), 'baton.db'));
    const baton = await createBaton({ store, home: tempDir() });
    baton.register({ id: 'fn', skills: { work: 1 }, run: async () => 'done' });
    const run = await baton.submit(plan('busy').step('only', { skill: 'work' }).build());
    await expect(run.result()).rejects.toThrow(/appends in a row conflicted with other processes appending to it/);
    expect(store.refused).toBe(21);
    await baton.close();
  });
});
