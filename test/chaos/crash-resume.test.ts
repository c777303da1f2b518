import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBaton, type LedgerEvent } from '../../src/index.js';
import { replayLedger, verifyChain } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';
import { baton, batonAsync } from '../e2e/cli.js';

/** A step with a side effect: after some work it appends its attempt id to a log, then reports. */
const SIDE_EFFECT = `
import { appendFileSync } from 'node:fs';
await new Promise((resolve) => setTimeout(resolve, 60 + Math.floor(Math.random() * 120)));
appendFileSync(process.argv[2], process.env.BATON_ATTEMPT_ID + '\\n');
process.stdout.write(JSON.stringify({ attempt: process.env.BATON_ATTEMPT_ID }));
`;

function planYaml(script: string, log: string): string {
  return `baton: 1
name: crash-me
capabilities:
  effect:
    kind: command
    command: [node, ${JSON.stringify(script)}, ${JSON.stringify(log)}]
    skills: { work: 1 }
steps:
  root: { skill: work }
  left: { skill: work, after: [root] }
  right: { skill: work, after: [root] }
  middle: { skill: work, after: [root] }
  each: { skill: work, after: [left], for_each: "[1, 2, 3, 4, 5]", concurrency: 2, input: "{{ item }}" }
  join: { skill: work, after: [each, right, middle] }
  c1: { skill: work, after: [join] }
  c2: { skill: work, after: [c1] }
  c3: { skill: work, after: [c2] }
  any: { skill: work, after: { any: [c3, middle] } }
`;
}

function instanceOf(attemptId: string): { instance: string; attempt: number } {
  const match = /^(.*?)(?:\/i\d+)?\/a(\d+)$/.exec(attemptId);
  if (!match) throw new Error(`not an attempt id: ${attemptId}`);
  return { instance: match[1] as string, attempt: Number(match[2]) };
}

/** Waits for the process, SIGKILLing it after `killAfterMs`; an exit of its own must be a success. */
async function waitForExit(child: ReturnType<typeof batonAsync>, killAfterMs: number): Promise<'exited' | 'killed'> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('exited');
      else reject(new Error(`baton exited with ${code}:\n${output}`));
    });
  });
}

describe('crash safety', () => {
  it('survives SIGKILL of `baton run` at random points: every accepted side effect happens once and the chain verifies', async () => {
    const home = tempDir();
    const dir = tempDir();
    const script = join(dir, 'effect.mjs');
    const log = join(dir, 'effects.log');
    const plan = join(dir, 'plan.yaml');
    writeFileSync(script, SIDE_EFFECT);
    writeFileSync(log, '');
    writeFileSync(plan, planYaml(script, log));

    const runId = 'crash-run';
    const delays: number[] = [];
    let kills = 0;
    for (let round = 0; round < 8; round++) {
      // A kill can land before the run is even created: until it exists, `run --run-id` (which
      // creates the run or resumes it); after that, `resume` and `run --run-id` take turns.
      const exists = baton(['status', runId], { home }).code === 0;
      const args = exists && round % 2 === 1 ? ['resume', runId] : ['run', plan, '--run-id', runId];
      const delay = 250 + Math.floor(Math.random() * 500);
      delays.push(delay);
      const outcome = await waitForExit(batonAsync(args, { home }), delay);
      if (outcome === 'exited') break;
      kills += 1;
    }
    const final = baton(['run', plan, '--run-id', runId], { home });
    expect(final.code, `delays ${delays.join(',')}\n${final.stdout}${final.stderr}`).toBe(0);
    expect(baton(['resume', runId], { home }).stdout).toContain(`run ${runId} already succeeded`);
    expect(kills, `delays ${delays.join(',')}`).toBeGreaterThanOrEqual(2);

    const library = await createBaton({ home });
    const events = await library.events(runId);
    await library.close();
    expect(verifyChain(events).ok).toBe(true);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    expect(events.at(-1)?.type).toBe('run.succeeded');

    const rejected = new Set(events.flatMap((e) => (e.type === 'attempt.rejected' ? [e.data.attemptId] : [])));
    const accepted = events.flatMap((e: LedgerEvent) =>
      e.type === 'attempt.succeeded' && !rejected.has(e.data.attemptId) ? [e.data.attemptId] : [],
    );
    const acceptedByInstance = new Map<string, number>();
    for (const attemptId of accepted) {
      const { instance, attempt } = instanceOf(attemptId);
      expect(acceptedByInstance.has(instance), `${instance} accepted twice`).toBe(false);
      acceptedByInstance.set(instance, attempt);
    }
    expect(acceptedByInstance.size).toBe(14); // 9 plain steps + 5 for_each items

    // Children of a killed engine may still finish; give them a moment before reading the log.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    for (const attemptId of accepted)
      expect(
        lines.filter((line) => line === attemptId),
        attemptId,
      ).toHaveLength(1);
    expect(new Set(lines).size, 'an attempt id ran twice').toBe(lines.length);
    for (const line of lines) {
      const { instance, attempt } = instanceOf(line);
      expect(attempt, `${instance} ran again after its success was recorded`).toBeLessThanOrEqual(
        acceptedByInstance.get(instance) as number,
      );
    }
  });

  it('survives 50 SIGKILLs in a row on one run, resumed after each: every accepted side effect happens once, and the chain verifies', async () => {
    const home = tempDir();
    const dir = tempDir();
    const log = join(dir, 'effects.log');
    const plan = join(dir, 'chain.json');
    writeFileSync(log, '');
    // 300 steps in a chain, 50 ms each: far more than 50 short-lived engines can finish.
    const steps: Record<string, object> = {};
    for (let i = 0; i < 300; i++) steps[`s${i}`] = { skill: 'work', ...(i > 0 && { after: [`s${i - 1}`] }) };
    writeFileSync(
      plan,
      JSON.stringify({
        baton: 1,
        name: 'long-chain',
        capabilities: {
          effect: {
            kind: 'command',
            command: ['sh', '-c', `sleep 0.05; echo "$BATON_ATTEMPT_ID" >> ${log}`],
            skills: { work: 1 },
          },
        },
        steps,
      }),
    );
    const runId = 'fifty-kills';
    const lineCount = () => readFileSync(log, 'utf8').split('\n').length - 1;
    // Each kill lands at a random point once the engine has made some progress (1 to 3 more side
    // effects), not after a fixed time: on a loaded machine a fixed delay can fall before startup.
    for (let kills = 0; kills < 50; kills++) {
      const exists = baton(['status', runId], { home }).code === 0;
      const child = batonAsync(exists ? ['resume', runId] : ['run', plan, '--run-id', runId], { home });
      const exited = new Promise<string>((resolve) =>
        child.on('exit', (code, signal) => resolve(signal ?? String(code))),
      );
      const target = lineCount() + 1 + Math.floor(Math.random() * 3);
      for (let waited = 0; lineCount() < target; waited += 10) {
        if (waited > 60_000) throw new Error(`no progress after kill ${kills}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 60)));
      child.kill('SIGKILL');
      expect(await exited, `the run finished after ${kills} kills`).toBe('SIGKILL');
    }
    const final = baton(['resume', runId, '--json'], { home });
    expect(final.code, `${final.stdout}${final.stderr}`).toBe(0);
    expect(JSON.parse(final.stdout)).toMatchObject({ status: 'succeeded', succeeded: 300 });

    const library = await createBaton({ home });
    const events = await library.events(runId);
    await library.close();
    expect(verifyChain(events).ok).toBe(true);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    expect(events.filter((e) => e.type === 'run.resumed').length).toBeGreaterThanOrEqual(50);
    const rejected = new Set(events.flatMap((e) => (e.type === 'attempt.rejected' ? [e.data.attemptId] : [])));
    const accepted = events.flatMap((e: LedgerEvent) =>
      e.type === 'attempt.succeeded' && !rejected.has(e.data.attemptId) ? [e.data.attemptId] : [],
    );
    expect(new Set(accepted.map((attemptId) => instanceOf(attemptId).instance)).size).toBe(300);
    expect(accepted).toHaveLength(300);
    // A killed engine's command may still finish on its own; give stragglers a moment.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    for (const attemptId of accepted)
      expect(
        lines.filter((line) => line === attemptId),
        attemptId,
      ).toHaveLength(1);
  }, 480_000); // 50 engines started and killed: minutes on a loaded 2-core machine (a guard, not a measurement)
});
