import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBaton, type LedgerEvent, type Plan } from '../../src/index.js';
import { replayLedger } from '../../src/ledger/index.js';
import { tempDir } from '../support/temp.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A plan whose one step runs `script` in sh, with the attempt's env. */
function shellPlan(script: string, step: Partial<Plan['steps'][string]> = {}, name = 'artifacts'): Plan {
  return {
    baton: 1,
    name,
    capabilities: { sh: { kind: 'command', command: ['sh', '-c', script], skills: { shell: 1 } } },
    steps: { build: { skill: 'shell', ...step } },
  } as Plan;
}

async function open(options: Parameters<typeof createBaton>[0] = {}) {
  const home = tempDir();
  const baton = await createBaton({ home, ...options });
  return { home, baton };
}

function succeeded(events: readonly LedgerEvent[]) {
  return events.flatMap((event) => (event.type === 'attempt.succeeded' ? [event.data] : []));
}

function failed(events: readonly LedgerEvent[]) {
  return events.flatMap((event) => (event.type === 'attempt.failed' ? [event.data] : []));
}

/** Overwrites a stored (read-only) artifact, as someone with access to the workspace could. */
function tamper(file: string, content: string): void {
  chmodSync(file, 0o644);
  writeFileSync(file, content);
}

describe('artifacts', () => {
  it('records what a command writes into BATON_ARTIFACTS_DIR, stores it content-addressed, and removes the attempt directory', async () => {
    const { home, baton } = await open();
    const script =
      'printf hello > "$BATON_ARTIFACTS_DIR/a.txt" && mkdir -p "$BATON_ARTIFACTS_DIR/sub" && printf "big world" > "$BATON_ARTIFACTS_DIR/sub/b.txt" && printf "%s" "$BATON_ARTIFACTS_DIR"';
    const run = await baton.submit(shellPlan(script));
    const result = await run.result();
    expect(result.status).toBe('succeeded');

    const expected = [
      { name: 'build/a.txt', sha256: sha256('hello'), bytes: 5 },
      { name: 'build/sub/b.txt', sha256: sha256('big world'), bytes: 9 },
    ];
    const events = await baton.events(run.runId);
    expect(succeeded(events)[0]?.artifacts).toEqual(expected);
    expect([...run.state.artifacts.values()]).toEqual(
      expected.map((ref) => ({ ...ref, step: 'build', sealed: false })),
    );

    for (const ref of expected) {
      const stored = join(home, 'artifacts', 'sha256', ref.sha256.slice(0, 2), ref.sha256);
      expect(baton.artifacts.path(ref.sha256)).toBe(stored);
      expect(readFileSync(stored, 'utf8')).toBe(ref.name === 'build/a.txt' ? 'hello' : 'big world');
      expect(statSync(stored).mode & 0o222).toBe(0); // read-only
      expect(await baton.artifacts.verify(ref)).toBe('ok');
    }
    const attemptDir = result.outputs.build as string;
    expect(attemptDir.startsWith(join(home, 'artifacts', 'tmp'))).toBe(true);
    expect(existsSync(attemptDir)).toBe(false);
    expect(existsSync(join(home, 'artifacts', 'tmp', run.runId))).toBe(false);
    expect(replayLedger(events)).toMatchObject({ ok: true });
    await baton.close();
  });

  it('lets a function write artifacts and report its cost, which settles the budget instead of the declared worst case', async () => {
    const { baton } = await open();
    baton.register({
      id: 'reporter',
      skills: { report: 1 },
      costUsd: 2,
      permissions: ['network'],
      run: async (_input, context) => {
        await context.writeArtifact('out/summary.json', '{"ok":true}');
        await context.writeArtifact('raw.bin', new Uint8Array([0, 1, 2]));
        context.reportCost(0.25);
        context.reportCost(0.5);
        return 'done';
      },
    });
    baton.register({ id: 'flat', skills: { flat: 1 }, costUsd: 1.5, run: () => 'flat' });
    const run = await baton.submit({
      baton: 1,
      name: 'costs',
      constraints: { budget_usd: 10, permissions: ['network'] },
      steps: { report: { skill: 'report' }, flat: { skill: 'flat', after: ['report'] } },
    });
    expect((await run.result()).status).toBe('succeeded');
    const events = await baton.events(run.runId);
    const [reported, declared] = succeeded(events);
    expect(reported).toMatchObject({
      costUsd: 0.75,
      artifacts: [
        { name: 'report/out/summary.json', sha256: sha256('{"ok":true}'), bytes: 11 },
        {
          name: 'report/raw.bin',
          sha256: createHash('sha256')
            .update(new Uint8Array([0, 1, 2]))
            .digest('hex'),
          bytes: 3,
        },
      ],
    });
    expect(declared).not.toHaveProperty('costUsd');
    expect(run.state.registry.reporter).toMatchObject({ costUsd: 2, permissions: ['network'] });
    expect(run.state.budget).toEqual({ limitUsd: 10, spentUsd: 2.25, reservedUsd: 0 });
    await baton.close();
  });

  it('refuses invalid costs, permissions and artifact names with clear errors', async () => {
    const { baton } = await open();
    expect(() => baton.register({ id: 'neg', skills: {}, costUsd: -1, run: () => null })).toThrow(
      'costUsd must be a finite number of US dollars, 0 or more (got -1)',
    );
    expect(() => baton.register({ id: 'inf', skills: {}, costUsd: Infinity, run: () => null })).toThrow(
      'costUsd must be a finite number',
    );
    expect(() => baton.register({ id: 'perm', skills: {}, permissions: ['Net Work'], run: () => null })).toThrow(
      'permissions must be a list of names',
    );
    expect(() => baton.register({ id: 'zero', skills: {}, timeout: '0s', run: () => null })).toThrow(
      'timeout must be a duration longer than 0, e.g. 500ms, 30s, 5m (got "0s")',
    );
    expect(() => baton.register({ id: 'word', skills: {}, timeout: '5 minutes', run: () => null })).toThrow(
      'timeout must be a duration longer than 0',
    );
    let calls = 0;
    baton.register({
      id: 'liar',
      skills: { lie: 1 },
      run: (_input, context) => {
        calls += 1;
        try {
          context.reportCost(-3);
        } catch {
          // swallowed on purpose: the attempt must fail anyway
        }
        return 'fine';
      },
    });
    baton.register({
      id: 'escaper',
      skills: { escape: 1 },
      run: (_input, context) => context.writeArtifact('../outside.txt', 'x'),
    });
    const liar = await baton.submit({
      baton: 1,
      name: 'liar',
      steps: { lie: { skill: 'lie', retry: { max: 3, backoff: '1ms' } } },
    });
    expect((await liar.result()).status).toBe('failed');
    expect(calls).toBe(1); // not retried
    expect(failed(await baton.events(liar.runId))[0]?.error).toMatchObject({
      type: 'bad_cost',
      retryable: false,
      message: 'reportCost reported a cost of -3: a cost is a finite number of US dollars, 0 or more',
    });
    const escaper = await baton.submit({ baton: 1, name: 'escaper', steps: { go: { skill: 'escape' } } });
    expect((await escaper.result()).status).toBe('failed');
    expect(failed(await baton.events(escaper.runId))[0]?.error).toMatchObject({
      retryable: false,
      message: expect.stringContaining('"../outside.txt" is not an artifact name'),
    });
    await baton.close();
  });

  it('takes a command cost from BATON_COST_FILE and fails the attempt on one that is not a number', async () => {
    const { baton } = await open();
    const run = await baton.submit(shellPlan('echo 0.42 > "$BATON_COST_FILE"'));
    expect((await run.result()).status).toBe('succeeded');
    expect(succeeded(await baton.events(run.runId))[0]?.costUsd).toBe(0.42);
    expect(run.state.budget.spentUsd).toBe(0.42);

    const bad = await baton.submit(shellPlan('echo lots > "$BATON_COST_FILE"', {}, 'bad-cost'));
    expect((await bad.result()).status).toBe('failed');
    expect(failed(await baton.events(bad.runId))[0]?.error).toMatchObject({
      type: 'bad_cost',
      retryable: false,
      message: 'BATON_COST_FILE holds "lots": write one number of US dollars, e.g. 0.42',
    });
    await baton.close();
  });

  it('seals the artifacts of a `seal: true` step, and verify fails once a sealed file is changed or gone', async () => {
    const { baton } = await open();
    const run = await baton.submit(
      shellPlan('printf v1 > "$BATON_ARTIFACTS_DIR/app.tar" && printf notes > "$BATON_ARTIFACTS_DIR/notes.txt"', {
        seal: true,
      }),
    );
    expect((await run.result()).status).toBe('succeeded');
    const events = await baton.events(run.runId);
    const sealing = events.find((event) => event.type === 'step.sealed');
    expect(sealing?.data).toEqual({
      step: 'build',
      artifacts: [
        { name: 'build/app.tar', sha256: sha256('v1'), bytes: 2 },
        { name: 'build/notes.txt', sha256: sha256('notes'), bytes: 5 },
      ],
    });
    expect(run.state.artifacts.get('build/app.tar')?.sealed).toBe(true);
    expect(await baton.verify(run.runId)).toMatchObject({
      ok: true,
      events: events.length,
      artifacts: { sealed: 2, failed: [] },
    });

    tamper(baton.artifacts.path(sha256('v1')), 'v2');
    const changed = await baton.verify(run.runId);
    expect(changed).toMatchObject({
      ok: false,
      seq: sealing?.seq,
      reason: `sealed artifact "build/app.tar" was changed (sealed sha256 ${sha256('v1')}, now ${sha256('v2')})`,
      artifacts: {
        sealed: 2,
        failed: [
          { name: 'build/app.tar', status: 'changed', sha256: sha256('v1'), actual: sha256('v2'), seq: sealing?.seq },
        ],
      },
    });

    rmSync(baton.artifacts.path(sha256('notes')));
    const missing = await baton.verify(run.runId);
    expect(missing.ok).toBe(false);
    expect(missing.artifacts?.failed.map((failure) => [failure.name, failure.status])).toEqual([
      ['build/app.tar', 'changed'],
      ['build/notes.txt', 'missing'],
    ]);
    expect(!missing.ok && missing.reason).toContain(
      `sealed artifact "build/notes.txt" is missing from the artifact store (sealed sha256 ${sha256('notes')})`,
    );
    await baton.close();
  });

  it('guards only sealed artifacts: an unsealed one changed on disk still verifies', async () => {
    const { baton } = await open();
    const run = await baton.submit(shellPlan('printf draft > "$BATON_ARTIFACTS_DIR/draft.md"'));
    expect((await run.result()).status).toBe('succeeded');
    tamper(baton.artifacts.path(sha256('draft')), 'rewritten');
    expect(await baton.artifacts.verify({ sha256: sha256('draft') })).toBe('changed');
    expect(await baton.verify(run.runId)).toMatchObject({ ok: true, artifacts: { sealed: 0, failed: [] } });
    await baton.close();
  });

  it('seals an artifact through baton.seal, after which tampering fails verify', async () => {
    const { baton } = await open();
    const run = await baton.submit(shellPlan('printf report > "$BATON_ARTIFACTS_DIR/report.txt"'));
    expect((await run.result()).status).toBe('succeeded');
    await expect(baton.seal(run.runId, 'build/nope.txt')).rejects.toThrow('artifact "build/nope.txt"');
    const event = await baton.seal(run.runId, 'build/report.txt', { by: 'cli:alice' });
    expect(event).toEqual({
      type: 'artifact.sealed',
      data: { artifact: 'build/report.txt', sha256: sha256('report'), by: 'cli:alice' },
    });
    const { state } = await baton.getRun(run.runId);
    expect(state.artifacts.get('build/report.txt')?.sealed).toBe(true);
    expect(await baton.verify(run.runId)).toMatchObject({ ok: true, artifacts: { sealed: 1 } });

    tamper(baton.artifacts.path(sha256('report')), 'forged');
    const verdict = await baton.verify(run.runId);
    expect(verdict).toMatchObject({
      ok: false,
      artifacts: {
        failed: [{ name: 'build/report.txt', status: 'changed', sha256: sha256('report'), actual: sha256('forged') }],
      },
    });
    expect(!verdict.ok && verdict.reason).toContain('"build/report.txt" was changed');
    await baton.close();
  });

  it('stores identical content once, even from different steps and runs', async () => {
    const { home, baton } = await open();
    const twice: Plan = {
      baton: 1,
      name: 'twice',
      capabilities: {
        sh: {
          kind: 'command',
          command: ['sh', '-c', 'printf same > "$BATON_ARTIFACTS_DIR/$BATON_STEP.txt"'],
          skills: { shell: 1 },
        },
      },
      steps: { one: { skill: 'shell' }, two: { skill: 'shell' } },
    };
    for (let i = 0; i < 2; i++) expect((await (await baton.submit(twice)).result()).status).toBe('succeeded');
    const hash = sha256('same');
    expect(readdirSync(join(home, 'artifacts', 'sha256'))).toEqual([hash.slice(0, 2)]); // no temp file left behind
    expect(readdirSync(join(home, 'artifacts', 'sha256', hash.slice(0, 2)))).toEqual([hash]);
    await baton.close();
  });

  it('collects nothing from a failed attempt and leaves no temp directory', async () => {
    const { home, baton } = await open();
    const run = await baton.submit(shellPlan('printf half > "$BATON_ARTIFACTS_DIR/half.txt"; exit 3'));
    expect((await run.result()).status).toBe('failed');
    const events = await baton.events(run.runId);
    expect(failed(events).map((data) => data.error.type)).toEqual(['exit_code']);
    expect(run.state.artifacts.size).toBe(0);
    expect(existsSync(join(home, 'artifacts', 'sha256'))).toBe(false);
    expect(existsSync(join(home, 'artifacts', 'tmp', run.runId))).toBe(false);
    await baton.close();
  });

  it('fails the attempt on a symlink out of the artifact directory, and follows one that stays inside', async () => {
    const { baton } = await open();
    const outside = join(tempDir(), 'secret.txt');
    writeFileSync(outside, 'secret');
    const escape = await baton.submit(shellPlan(`ln -s '${outside}' "$BATON_ARTIFACTS_DIR/secret.txt"`, {}, 'escape'));
    expect((await escape.result()).status).toBe('failed');
    expect(failed(await baton.events(escape.runId))[0]?.error).toMatchObject({
      type: 'artifact',
      retryable: false,
      message:
        'artifact "build/secret.txt" is a symlink that leads outside the artifact directory; copy the file in instead',
    });

    const inside = await baton.submit(
      shellPlan(
        'printf data > "$BATON_ARTIFACTS_DIR/real.txt" && ln -s real.txt "$BATON_ARTIFACTS_DIR/link.txt"',
        {},
        'inside',
      ),
    );
    expect((await inside.result()).status).toBe('succeeded');
    expect(succeeded(await baton.events(inside.runId))[0]?.artifacts?.map((ref) => [ref.name, ref.sha256])).toEqual([
      ['build/link.txt', sha256('data')],
      ['build/real.txt', sha256('data')],
    ]);
    await baton.close();
  });

  it('removes what an attempt of a crashed engine left in its directory when the run is resumed', async () => {
    const { home, baton } = await open();
    let dirOfFirst = '';
    let release = (): void => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const work = {
      id: 'w',
      skills: { work: 1 },
      run: async (
        _input: unknown,
        context: { attemptId: string; artifactsDir: string; writeArtifact(name: string, data: string): Promise<void> },
      ) => {
        if (context.attemptId === 'slow/a1') {
          dirOfFirst = context.artifactsDir;
          await held;
        }
        await context.writeArtifact('out.txt', context.attemptId);
        return context.attemptId;
      },
    };
    baton.register(work);
    const run = await baton.submit({ baton: 1, name: 'crash', steps: { slow: { skill: 'work' } } });
    while (dirOfFirst === '') await new Promise((resolve) => setTimeout(resolve, 5));
    await run.interrupt();
    await baton.close();
    // As if the engine had been killed mid-attempt: the directory and a half-written file remain.
    mkdirSync(dirOfFirst, { recursive: true });
    writeFileSync(join(dirOfFirst, 'half.txt'), 'half');

    const again = await createBaton({ home });
    again.register(work);
    release();
    const resumed = await again.resume(run.runId);
    expect(await resumed.result()).toMatchObject({ status: 'succeeded', outputs: { slow: 'slow/a2' } });
    expect([...resumed.state.artifacts.keys()]).toEqual(['slow/out.txt']);
    expect(existsSync(join(home, 'artifacts', 'tmp', run.runId))).toBe(false);
    await again.close();
  });

  it('fails an attempt whose artifacts exceed the configured limit', async () => {
    const { baton } = await open({ artifactLimits: { maxAttemptBytes: 8 } });
    baton.register({
      id: 'big',
      skills: { big: 1 },
      run: (_input, context) => context.writeArtifact('big.txt', '0123456789'),
    });
    const run = await baton.submit({ baton: 1, name: 'big', steps: { big: { skill: 'big' } } });
    expect((await run.result()).status).toBe('failed');
    expect(failed(await baton.events(run.runId))[0]?.error).toMatchObject({
      type: 'artifacts_too_large',
      retryable: false,
      message: 'artifacts exceed 8 bytes for one attempt (1 file, 10 bytes)',
    });
    await expect(createBaton({ home: tempDir(), artifactLimits: { maxAttemptBytes: 0 } })).rejects.toThrow(
      'artifactLimits.maxAttemptBytes must be a positive whole number (got 0)',
    );
    await baton.close();
  });
});
