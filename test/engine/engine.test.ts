import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBaton, NonRetryableError, plan, type LedgerEvent } from '../../src/index.js';
import { replayLedger, routingLog, verifyChain } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

async function open(concurrency = 8) {
  const home = tempDir();
  const baton = await createBaton({ home, concurrency });
  return { home, baton };
}

describe('engine on the embedded SQLite store', () => {
  it('runs a plan of function steps and keeps a ledger that verifies and replays', async () => {
    const { baton } = await open();
    baton.register({ id: 'double', skills: { math: 1 }, run: (n: number) => n * 2 });
    baton.register({ id: 'sum', skills: { total: 1 }, run: (ns: number[]) => ns.reduce((a, b) => a + b, 0) });
    const built = plan('math')
      .input('n', { type: 'integer', default: 3 })
      .step('seed', { skill: 'math', input: '{{ inputs.n }}' })
      .step('fan', {
        skill: 'math',
        after: ['seed'],
        for_each: '[1, 2, 3].map(x, x * steps.seed.output)',
        input: '{{ item }}',
        concurrency: 2,
      })
      .step('total', { skill: 'total', after: ['fan'], input: '{{ steps.fan.output }}' })
      .build();
    const run = await baton.submit(built, { inputs: { n: 5 } });
    const result = await run.result();
    expect(result).toMatchObject({
      status: 'succeeded',
      succeeded: 3,
      outputs: { seed: 10, fan: [20, 40, 60], total: 120 },
    });
    const events = await baton.events(run.runId);
    expect(verifyChain(events)).toMatchObject({ ok: true, events: events.length });
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('retries a failing function and records each attempt', async () => {
    const { baton } = await open();
    let calls = 0;
    baton.register({
      id: 'flaky',
      skills: { fetch: 1 },
      run: () => {
        calls += 1;
        if (calls < 3) throw new Error(`transient ${calls}`);
        return 'ok';
      },
    });
    const run = await baton.submit({
      baton: 1,
      name: 'retry',
      steps: { get: { skill: 'fetch', retry: { max: 3, backoff: '10ms' } } },
    });
    expect(await run.result()).toMatchObject({ status: 'succeeded', outputs: { get: 'ok' } });
    const events = await baton.events(run.runId);
    expect(
      events.filter((e) => e.type === 'attempt.failed').map((e) => e.type === 'attempt.failed' && e.data.error.message),
    ).toEqual(['transient 1', 'transient 2']);
    const retries = events.filter(
      (e): e is Extract<LedgerEvent, { type: 'attempt.retry_scheduled' }> => e.type === 'attempt.retry_scheduled',
    );
    expect(retries.map((e) => e.data.delayMs)).toEqual([10, 20]);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('shows steps stopped by a failed run as cancelled in the routing log', async () => {
    const { baton } = await open();
    baton.register({ id: 'bad', skills: { bad: 1 }, run: () => Promise.reject(new NonRetryableError('no')) });
    baton.register({
      id: 'slow',
      skills: { slow: 1 },
      run: (_input, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(null))),
    });
    const run = await baton.submit({
      baton: 1,
      name: 'cancel',
      steps: { slow: { skill: 'slow' }, bad: { skill: 'bad' } },
    });
    await run.result();
    const log = routingLog(await baton.events(run.runId));
    expect(log.map((entry) => [entry.step, entry.outcome])).toEqual([
      ['slow', 'cancelled'],
      ['bad', 'failed'],
    ]);
    expect(run.state.steps.slow?.status).toBe('cancelled');
    await baton.close();
  });

  it('fails the run on a non-retryable error and says which step and why', async () => {
    const { baton } = await open();
    baton.register({
      id: 'strict',
      skills: { check: 1 },
      run: () => {
        throw new NonRetryableError('schema mismatch');
      },
    });
    const run = await baton.submit({
      baton: 1,
      name: 'fail',
      steps: { check: { skill: 'check', retry: { max: 5 } }, after: { skill: 'check', after: ['check'] } },
    });
    const result = await run.result();
    expect(result).toMatchObject({ status: 'failed', failed: 1, failure: 'step "check" failed: schema mismatch' });
    expect((await baton.verify(run.runId)).ok).toBe(true);
    await baton.close();
  });

  it('times out a function that does not return and aborts its signal', async () => {
    const { baton } = await open();
    let aborted: unknown;
    baton.register({
      id: 'hang',
      skills: { wait: 1 },
      run: (_input, { signal }) =>
        new Promise(() => {
          signal.addEventListener('abort', () => (aborted = signal.reason));
        }),
    });
    const run = await baton.submit({ baton: 1, name: 'timeout', steps: { w: { skill: 'wait', timeout: '50ms' } } });
    const result = await run.result();
    expect(result.status).toBe('failed');
    expect(result.failure).toBe('step "w" failed: timed out after 50ms');
    expect(aborted).toBe('timeout');
    await baton.close();
  });

  it('does not time out an attempt at once when its timeout is longer than a Node timer can hold (25 days and more)', async () => {
    const { baton } = await open();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    // Finishes after 200 ms unless aborted first: a 30-day timeout clamped to 1 ms would abort it.
    baton.register({
      id: 'patient',
      skills: { wait: 1 },
      run: (_input, { signal }) =>
        new Promise((resolve, reject) => {
          const done = setTimeout(() => resolve('done'), 200);
          signal.addEventListener('abort', () => {
            clearTimeout(done);
            reject(new Error(`aborted: ${String(signal.reason)}`));
          });
        }),
    });
    const run = await baton.submit({ baton: 1, name: 'long-timeout', steps: { w: { skill: 'wait', timeout: '30d' } } });
    const result = await run.result();
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(result).toMatchObject({ status: 'succeeded', outputs: { w: 'done' } });
    expect(warnings.map((warning) => warning.name)).not.toContain('TimeoutOverflowWarning');
    await baton.close();
  });

  it('runs command capabilities with the input on stdin and JSON stdout as output', async () => {
    const { home, baton } = await open();
    const script = join(home, 'upper.mjs');
    writeFileSync(
      script,
      "let t='';for await (const c of process.stdin) t+=c; const i=JSON.parse(t); console.log(JSON.stringify({text: i.text.toUpperCase(), arg: process.argv[2], step: process.env.BATON_STEP}))",
    );
    const run = await baton.submit({
      baton: 1,
      name: 'cmd',
      capabilities: {
        upper: { kind: 'command', command: ['node', script, '{{ input.text }} and more'], skills: { shout: 1 } },
      },
      steps: { s: { skill: 'shout', input: { text: 'hi; rm -rf /' } } },
    });
    expect((await run.result()).outputs.s).toEqual({ text: 'HI; RM -RF /', arg: 'hi; rm -rf / and more', step: 's' });
    await baton.close();
  });

  it('gives number inputs to command argument templates as doubles', async () => {
    const { baton } = await open();
    const run = await baton.submit({
      baton: 1,
      name: 'args',
      inputs: { price: { type: 'number', default: 2 } },
      capabilities: { echo: { kind: 'command', command: ['echo', '{{ inputs.price * 1.5 }}'], skills: { say: 1 } } },
      steps: { s: { skill: 'say' } },
    });
    expect((await run.result()).outputs.s).toBe(3);
    await baton.close();
  });

  it('kills the whole process group of a command that times out', async () => {
    const { home, baton } = await open();
    const pidFile = join(home, 'child.pid');
    // A shell starts its child at once, even on a loaded machine: a node script took longer
    // than the timeout to start under load, and never wrote the pid.
    const run = await baton.submit({
      baton: 1,
      name: 'group',
      capabilities: {
        spawner: {
          kind: 'command',
          command: ['sh', '-c', `sleep 30 & echo $! > ${JSON.stringify(pidFile)}; wait`],
          skills: { spawn: 1 },
        },
      },
      steps: { s: { skill: 'spawn', timeout: '1s' } },
    });
    const result = await run.result();
    expect(result.failure).toBe('step "s" failed: timed out after 1s');
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Gone, or a zombie waiting for init to reap it: either way no longer running.
    const state = (() => {
      try {
        return /State:\s+(\S)/.exec(readFileSync(`/proc/${grandchild}/status`, 'utf8'))?.[1];
      } catch {
        return 'gone';
      }
    })();
    expect(['gone', 'Z']).toContain(state);
    await baton.close();
  });

  it('resumes an interrupted run without running finished steps again', async () => {
    const { home, baton } = await open(1);
    const ran: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    baton.register({
      id: 'w',
      skills: { work: 1 },
      run: async (input: string, { signal }) => {
        ran.push(input);
        if (input === 'b')
          await Promise.race([gate, new Promise((resolve) => signal.addEventListener('abort', resolve))]);
        return input;
      },
    });
    const p = plan('resume')
      .step('a', { skill: 'work', input: 'a' })
      .step('b', { skill: 'work', input: 'b', after: ['a'] })
      .step('c', { skill: 'work', input: 'c', after: ['b'] })
      .build();
    const run = await baton.submit(p);
    while (!ran.includes('b')) await new Promise((resolve) => setTimeout(resolve, 5));
    const interrupted = await run.interrupt();
    expect(interrupted).toMatchObject({ interrupted: true, status: 'running' });
    await baton.close();

    const again = await createBaton({ home });
    // Without the function the unfinished steps need, resume refuses and leaves the run as it was.
    await expect(again.resume(run.runId)).rejects.toThrow(
      `run "${run.runId}" still needs function capabilities that are not registered in this process: w`,
    );
    again.register({ id: 'w', skills: { work: 1 }, run: async (input: string) => (ran.push(input), input) });
    release();
    const resumed = await again.resume(run.runId);
    expect(await resumed.result()).toMatchObject({ status: 'succeeded', outputs: { a: 'a', b: 'b', c: 'c' } });
    expect(ran).toEqual(['a', 'b', 'b', 'c']);
    const events = await again.events(run.runId);
    expect(
      events
        .filter((e) => e.type === 'attempt.abandoned')
        .map((e) => e.type === 'attempt.abandoned' && e.data.attemptId),
    ).toEqual(['b/a1']);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    expect(verifyChain(events).ok).toBe(true);
    await again.close();
  });

  it('lets timers and I/O run during a long run of instant function steps', async () => {
    const { baton } = await open();
    baton.register({ id: 'noop', skills: { s: 1 }, run: (n: number) => n });
    const steps = Object.fromEntries(
      Array.from({ length: 3000 }, (_, i) => [
        `s${i}`,
        { skill: 's', input: i, ...(i > 0 && { after: [`s${i - 1}`] }) },
      ]),
    );
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 1);
    const run = await baton.submit({ baton: 1, name: 'long', steps });
    await run.result();
    clearInterval(timer);
    // Without yielding, every step would resolve in microtasks and the interval would never fire.
    expect(ticks).toBeGreaterThan(0);
    await baton.close();
  });

  it('gives every attempt of one unit of work the same idempotency key', async () => {
    const { baton } = await open();
    const seen: [string, string][] = [];
    baton.register({
      id: 'flaky',
      skills: { s: 1 },
      run: (_input, { attemptId, idempotencyKey }) => {
        seen.push([attemptId, idempotencyKey]);
        if (seen.length === 1) throw new Error('once');
        return 'ok';
      },
    });
    const run = await baton.submit(
      { baton: 1, name: 'keys', steps: { a: { skill: 's', retry: { max: 1 } } } },
      { runId: 'keys-run' },
    );
    await run.result();
    expect(seen).toEqual([
      ['a/a1', 'keys-run/a'],
      ['a/a2', 'keys-run/a'],
    ]);
    await baton.close();
  });

  it('refuses to resume a run whose ledger was tampered with', async () => {
    const { home, baton } = await open();
    let release: () => void = () => {};
    baton.register({
      id: 'w',
      skills: { s: 1 },
      run: (_input, { signal }) =>
        new Promise(
          (resolve) => ((release = () => resolve('x')), signal.addEventListener('abort', () => resolve('x'))),
        ),
    });
    const run = await baton.submit({
      baton: 1,
      name: 't',
      steps: { a: { skill: 's' }, b: { skill: 's', after: ['a'] } },
    });
    while ((await baton.events(run.runId)).length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await run.interrupt();
    release();
    await baton.close();
    const db = new Database(join(home, 'baton.db'));
    db.prepare(
      "UPDATE events SET data = replace(data, '\"a/a1\"', '\"a/a9\"') WHERE run_id = ? AND type = 'attempt.dispatched'",
    ).run(run.runId);
    db.close();
    const again = await createBaton({ home });
    again.register({ id: 'w', skills: { s: 1 }, run: () => 'x' });
    await expect(again.resume(run.runId)).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringMatching(/fails verification at seq 3/),
    });
    await again.close();
  });

  it('refuses bad input before writing anything', async () => {
    const { baton } = await open();
    await expect(baton.submit({ baton: 1, name: 'x', steps: { a: { skill: 'nope' } } })).rejects.toThrow(
      /no capability offers skill "nope"/,
    );
    baton.register({ id: 'f', skills: { s: 1 }, run: () => 1 });
    const withInput = {
      baton: 1 as const,
      name: 'x',
      inputs: { n: { type: 'integer' as const } },
      steps: { a: { skill: 's' } },
    };
    await expect(baton.submit(withInput)).rejects.toThrow(/input "n" \(integer\) is required/);
    await expect(baton.submit(withInput, { inputText: { n: '1.5' } })).rejects.toThrow(/must be an integer, got "1.5"/);
    expect(await baton.listRuns()).toEqual([]);
    await baton.close();
  });

  it('resumes a run when the same run id is submitted with the same plan, and refuses a different plan', async () => {
    const { baton } = await open();
    baton.register({ id: 'f', skills: { s: 1 }, run: () => 1 });
    const p = { baton: 1 as const, name: 'same', steps: { a: { skill: 's' } } };
    await (await baton.submit(p, { runId: 'fixed' })).result();
    const again = await baton.submit(p, { runId: 'fixed' });
    expect((await again.result()).status).toBe('succeeded');
    await expect(baton.submit({ ...p, name: 'other' }, { runId: 'fixed' })).rejects.toThrow(
      /created from a different plan/,
    );
    const withInput = { ...p, name: 'inputs', inputs: { n: { type: 'integer' as const, default: 1 } } };
    await (await baton.submit(withInput, { runId: 'with-input' })).result();
    await expect(baton.submit(withInput, { runId: 'with-input', inputs: { n: 2 } })).rejects.toThrow(
      /exists with other inputs/,
    );
    await baton.close();
  });

  it("streams a run's events with no gap and no repeat", async () => {
    const { baton } = await open();
    baton.register({ id: 'f', skills: { s: 1 }, run: async (n: number) => n });
    const steps = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`s${i}`, { skill: 's', input: i, ...(i > 0 && { after: [`s${i - 1}`] }) }]),
    );
    const run = await baton.submit({ baton: 1, name: 'stream', steps });
    const seqs: number[] = [];
    for await (const event of run.events()) seqs.push(event.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBe((await baton.events(run.runId)).length);
    await baton.close();
  });
});
