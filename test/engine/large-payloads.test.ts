import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaton } from '../../src/index.js';
import { tempDir } from '../support/temp.js';
import { PAYLOAD_THRESHOLD_BYTES } from '../../src/ledger/index.js';
import { SqliteStore, type Store } from '../../src/store/index.js';
import {
  BIG_BODY,
  BIG_HASH,
  expectRealValues,
  firstReferencing,
  runWithLargeOutputs,
} from '../support/large-payloads.js';

/** The workspace's real SQLite file, to read and tamper with its rows directly. */
function sqliteFile(store: Store): string {
  if (!(store instanceof SqliteStore)) throw new Error('the workspace store is not SQLite');
  return store.file;
}

describe('large step outputs on SQLite', () => {
  it('stay out of event rows, are stored once, and every reader sees the values', async () => {
    const { server, baton, runId } = await runWithLargeOutputs();
    const db = new Database(sqliteFile(baton.store), { readonly: true });
    const { largest } = db.prepare('SELECT MAX(length(data)) AS largest FROM events WHERE run_id = ?').get(runId) as {
      largest: number;
    };
    // a's and b's attempt and step outputs are references; the largest row is a small decision.
    expect(largest).toBeLessThan(4_000);
    expect(db.prepare('SELECT hash, body FROM payloads').all()).toEqual([{ hash: BIG_HASH, body: BIG_BODY }]);
    const referencing = db
      .prepare("SELECT type, json_extract(data, '$.output') AS output FROM events WHERE run_id = ? AND data LIKE ?")
      .all(runId, `%${BIG_HASH}%`) as { type: string; output: string }[];
    expect(referencing.map((row) => row.type).sort()).toEqual([
      'attempt.succeeded',
      'attempt.succeeded',
      'step.succeeded',
      'step.succeeded',
    ]);
    expect(JSON.parse(referencing[0]?.output as string)).toEqual({
      $payload: `sha256:${BIG_HASH}`,
      bytes: Buffer.byteLength(BIG_BODY),
    });
    db.close();

    await expectRealValues(server, runId);
    expect(await baton.verify(runId)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('fails verify, naming the event and the hash, when a payload row was changed or deleted', async () => {
    const { baton, runId } = await runWithLargeOutputs();
    const first = await firstReferencing(baton.store, runId);
    const file = sqliteFile(baton.store);
    const tamper = (sql: string) => {
      const db = new Database(file);
      db.prepare(sql).run(BIG_HASH);
      db.close();
    };

    tamper("UPDATE payloads SET body = replace(body, 'xxxx', 'xxxy') WHERE hash = ?");
    const changed = await baton.verify(runId);
    expect(changed).toMatchObject({ ok: false, seq: first.seq });
    expect(changed.ok || changed.reason).toBe(
      `payload sha256:${BIG_HASH} (${Buffer.byteLength(BIG_BODY)} bytes) of event seq ${first.seq} (${first.type}) no longer matches its hash: its stored bytes were changed after it was written`,
    );
    // Readers never get the changed value either: reading the events is an integrity error.
    await expect(baton.events(runId)).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringContaining(`payload sha256:${BIG_HASH}`),
    });

    tamper('DELETE FROM payloads WHERE hash = ?');
    const missing = await baton.verify(runId);
    expect(missing).toMatchObject({ ok: false, seq: first.seq });
    expect(missing.ok || missing.reason).toContain(
      `of event seq ${first.seq} (${first.type}) is missing from the store`,
    );
    await baton.close();
  });

  it('keeps an output at the threshold inline, and a value shaped like a reference is not taken for one', async () => {
    const { server, baton } = await runWithLargeOutputs();
    const atThreshold = 'y'.repeat(PAYLOAD_THRESHOLD_BYTES - '{"v":""}'.length); // its output's JSON is exactly the threshold
    const lookalike = { $payload: `sha256:${BIG_HASH}`, bytes: 3 };
    baton.register({ id: 'edge', skills: { edge: 1 }, run: (input: unknown) => input });
    const run = await baton.submit({
      baton: 1,
      name: 'edges',
      steps: {
        inline: { skill: 'edge', input: { v: atThreshold } },
        lookalike: { skill: 'edge', input: lookalike },
      },
    });
    expect((await run.result()).status).toBe('succeeded');
    const db = new Database(sqliteFile(baton.store), { readonly: true });
    const rows = db
      .prepare(
        "SELECT json_extract(data, '$.step') AS step, data FROM events WHERE run_id = ? AND type = 'step.succeeded'",
      )
      .all(run.runId) as { step: string; data: string }[];
    db.close();
    expect(rows.find((r) => r.step === 'inline')?.data.includes(atThreshold)).toBe(true);
    // Moved out, so that no inline value ever reads as a reference.
    expect(rows.find((r) => r.step === 'lookalike')?.data).not.toContain(`"bytes":3`);
    const view = (await (await server.call('GET', `/v1/runs/${run.runId}`)).json()) as {
      steps: { step: string; output: unknown }[];
    };
    expect(view.steps.find((s) => s.step === 'lookalike')?.output).toEqual(lookalike);
    expect(JSON.stringify(view.steps.find((s) => s.step === 'inline')?.output)).toBe(
      JSON.stringify({ v: atThreshold }),
    );
    expect(await baton.verify(run.runId)).toMatchObject({ ok: true });
    await baton.close();
  });

  describe('with a secret in a large output', () => {
    const SECRET = 'big-secret-9f8e7d6c5b4a';
    afterEach(() => {
      delete process.env.SERVICE_TOKEN;
    });

    it('redacts it before the payload is stored: neither the payload row nor the database file holds it', async () => {
      process.env.SERVICE_TOKEN = SECRET;
      const home = tempDir();
      const baton = await createBaton({ home });
      baton.register({
        id: 'leaky',
        skills: { leak: 1 },
        run: () => ({ log: `${'line\n'.repeat(10_000)}token=${process.env.SERVICE_TOKEN ?? ''}` }),
      });
      const run = await baton.submit({ baton: 1, name: 'leak', steps: { a: { skill: 'leak' } } });
      expect((await run.result()).status).toBe('succeeded');
      const [output] = (await baton.events(run.runId)).flatMap((e) =>
        e.type === 'step.succeeded' ? [e.data.output] : [],
      );
      expect((output as { log: string }).log.endsWith('token=[redacted:SERVICE_TOKEN]')).toBe(true);
      const file = sqliteFile(baton.store);
      const db = new Database(file, { readonly: true });
      const bodies = db.prepare('SELECT body FROM payloads').all() as { body: string }[];
      db.close();
      expect(bodies).toHaveLength(1);
      expect(bodies[0]?.body.includes('[redacted:SERVICE_TOKEN]')).toBe(true);
      await baton.close();
      for (const path of [file, `${file}-wal`].filter((p) => existsSync(p))) {
        expect(readFileSync(path).includes(SECRET), path).toBe(false);
      }
    });
  });

  it('are stored apart above the threshold createBaton is given, and a threshold below 1 KiB is refused', async () => {
    await expect(createBaton({ home: tempDir(), payloadThresholdBytes: 100 })).rejects.toMatchObject({
      code: 'bad_input',
      message: 'payloadThresholdBytes must be a whole number of bytes, at least 1024 (got 100)',
    });
    const baton = await createBaton({ home: tempDir(), payloadThresholdBytes: 2_048 });
    baton.register({ id: 'sized', skills: { sized: 1 }, run: (n: number) => 'w'.repeat(n) });
    const run = await baton.submit({
      baton: 1,
      name: 'sizes',
      steps: { small: { skill: 'sized', input: 1_000 }, medium: { skill: 'sized', input: 3_000 } },
    });
    expect((await run.result()).status).toBe('succeeded');
    const db = new Database(sqliteFile(baton.store), { readonly: true });
    const bodies = (db.prepare('SELECT body FROM payloads').all() as { body: string }[]).map((row) => row.body.length);
    db.close();
    expect(bodies).toEqual([3_002]); // the 3,000-character output, quoted; the 1,000 one stays inline
    expect(await baton.verify(run.runId)).toMatchObject({ ok: true });
    await baton.close();
  });
});
