import { expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { adminQuery, describePostgres, freshSchema } from '../support/postgres.js';
import {
  BIG_BODY,
  BIG_HASH,
  expectRealValues,
  firstReferencing,
  runWithLargeOutputs,
} from '../support/large-payloads.js';

describePostgres('large step outputs on PostgreSQL', (url) => {
  it('stay out of event rows, are stored once, every reader sees the values, and verify catches a changed payload', async () => {
    const schema = freshSchema();
    const store = await PostgresStore.connect(url, { schema });
    const { server, baton, runId } = await runWithLargeOutputs(store);

    const [sizes] = await adminQuery<{ largest: number }>(
      `SELECT MAX(octet_length(data))::int AS largest FROM ${schema}.events WHERE run_id = $1`,
      [runId],
    );
    expect(sizes?.largest).toBeLessThan(4_000);
    expect(await adminQuery(`SELECT hash, body FROM ${schema}.payloads`)).toEqual([{ hash: BIG_HASH, body: BIG_BODY }]);
    await expectRealValues(server, runId);
    expect(await baton.verify(runId)).toMatchObject({ ok: true });

    // Another process (a worker, a resumed engine) reads the same values from the database alone.
    const elsewhere = await PostgresStore.connect(url, { schema });
    const events = await elsewhere.readEvents(runId);
    expect(events.filter((e) => e.type === 'attempt.succeeded').map((e) => e.data.output)).toEqual([
      JSON.parse(BIG_BODY),
      JSON.parse(BIG_BODY),
      { length: 99_997, same: true },
    ]);
    await elsewhere.close();

    const first = await firstReferencing(store, runId);
    await adminQuery(`UPDATE ${schema}.payloads SET body = replace(body, 'xxxx', 'xxxy') WHERE hash = $1`, [BIG_HASH]);
    const verdict = await baton.verify(runId);
    expect(verdict).toMatchObject({ ok: false, seq: first.seq });
    expect(verdict.ok || verdict.reason).toBe(
      `payload sha256:${BIG_HASH} (${Buffer.byteLength(BIG_BODY)} bytes) of event seq ${first.seq} (${first.type}) no longer matches its hash: its stored bytes were changed after it was written`,
    );
    await adminQuery(`DELETE FROM ${schema}.payloads WHERE hash = $1`, [BIG_HASH]);
    const missing = await baton.verify(runId);
    expect(missing.ok || missing.reason).toContain(
      `of event seq ${first.seq} (${first.type}) is missing from the store`,
    );
    await baton.close();
  });
});
