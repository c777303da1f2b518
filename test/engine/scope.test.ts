import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaton, type LedgerEvent, type Plan } from '../../src/index.js';
import { tempDir } from '../support/temp.js';

/**
 * A workspace with a script `bin/mark.mjs` that, when it runs at all, leaves the file
 * `ran-STEP` next to `bin/` and prints its BATON_SCOPE (or null when it has none).
 */
async function open() {
  const home = tempDir();
  mkdirSync(join(home, 'bin'));
  const script = join(home, 'bin', 'mark.mjs');
  writeFileSync(
    script,
    `import { writeFileSync } from 'node:fs';
     writeFileSync(new URL('../ran-' + process.env.BATON_STEP, import.meta.url), '');
     console.log(JSON.stringify({ scope: process.env.BATON_SCOPE === undefined ? null : JSON.parse(process.env.BATON_SCOPE), target: process.argv[2] }));`,
  );
  const baton = await createBaton({ home });
  const ran = (step: string): boolean => existsSync(join(home, `ran-${step}`));
  return { home, script, baton, ran };
}

function scopedPlan(script: string, constraints: Plan['constraints'], steps: Plan['steps']): Plan {
  return {
    baton: 1,
    name: 'scoped',
    ...(constraints && { constraints }),
    capabilities: { mark: { kind: 'command', command: ['node', script, '{{ input }}'], skills: { mark: 1 } } },
    steps,
  };
}

function failures(events: readonly LedgerEvent[]) {
  return events.flatMap((event) => (event.type === 'attempt.failed' ? [event.data.error] : []));
}

describe('scope given to capabilities', () => {
  const saved = process.env.BATON_SCOPE;
  afterEach(() => {
    if (saved === undefined) delete process.env.BATON_SCOPE;
    else process.env.BATON_SCOPE = saved;
  });

  it('refuses a command whose argument is outside the scope, before it runs, without a retry', async () => {
    const { home, script, baton, ran } = await open();
    const bin = join(home, 'bin');
    const out = join(home, 'out');
    const secret = join(home, 'out', '..', 'secret');
    const run = await baton.submit(
      scopedPlan(script, { scope: [bin, out] }, { leak: { skill: 'mark', input: secret, retry: { max: 2 } } }),
    );
    const result = await run.result();
    expect(result.status).toBe('failed');
    const message = `command[2] "${secret}" names the path ${join(home, 'secret')}, which is outside the step's scope (${bin}, ${out})`;
    expect(result.failure).toBe(`step "leak" failed: ${message}`);
    expect(failures(await baton.events(run.runId))).toEqual([
      { type: 'scope', message, retryable: false, detail: { argument: 2, value: secret, scope: [bin, out] } },
    ]);
    expect(ran('leak')).toBe(false);
    await baton.close();
  });

  it('refuses, before they run, commands whose argument a parser reads outside the scope: one slash, a backslash, a leading space, an attached short option', async () => {
    const { home, script, baton, ran } = await open();
    const scope = [join(home, 'bin'), 'https://api.example.com/v1'];
    const inputs = {
      slash: 'https:/evil.example.com/x',
      backslash: 'https:\\\\evil.example.com\\x',
      space: ' https://evil.example.com/',
      attached: '-o/etc/hosts',
      fine: '-ohttps://api.example.com/v1/items',
    };
    const steps = Object.fromEntries(
      Object.entries(inputs).map(([id, input]) => [id, { skill: 'mark', input, on_failure: 'continue' as const }]),
    );
    const run = await baton.submit(scopedPlan(script, { scope }, steps));
    const result = await run.result();
    expect(result.outputs).toEqual({ fine: { scope, target: inputs.fine } });
    const refused = failures(await baton.events(run.runId));
    expect(refused.map((error) => [error.type, (error.detail as { value: string }).value])).toEqual(
      expect.arrayContaining(
        ['slash', 'backslash', 'space', 'attached'].map((id) => ['scope', inputs[id as keyof typeof inputs]]),
      ),
    );
    expect(refused).toHaveLength(4);
    expect(refused.find((error) => (error.detail as { value: string }).value === '-o/etc/hosts')?.message).toMatch(
      /^command\[2\] "-o\/etc\/hosts" \(its value "\/etc\/hosts"\) names the path \/etc\/hosts, which is outside/,
    );
    expect(Object.keys(inputs).filter(ran)).toEqual(['fine']);
    await baton.close();
  });

  it("runs a command whose arguments are within the step's scope and gives it that scope as BATON_SCOPE", async () => {
    const { home, script, baton, ran } = await open();
    const [bin, out, reports] = [join(home, 'bin'), join(home, 'out'), join(home, 'out', 'reports')];
    const run = await baton.submit(
      scopedPlan(
        script,
        { scope: [bin, out, 'api.example.com'] },
        {
          wide: { skill: 'mark', input: join(out, 'a.txt') },
          narrow: { skill: 'mark', input: join(reports, 'b.txt'), constraints: { scope: [bin, reports] } },
        },
      ),
    );
    const result = await run.result();
    expect(result.status).toBe('succeeded');
    expect(result.outputs).toEqual({
      wide: { scope: [bin, out, 'api.example.com'], target: join(out, 'a.txt') },
      narrow: { scope: [bin, reports], target: join(reports, 'b.txt') },
    });
    expect([ran('wide'), ran('narrow')]).toEqual([true, true]);
    await baton.close();
  });

  it("checks nothing and sets no BATON_SCOPE when no scope is declared, even if Baton's own environment has one", async () => {
    process.env.BATON_SCOPE = '["/somewhere/else"]';
    const { script, baton } = await open();
    const run = await baton.submit(scopedPlan(script, undefined, { free: { skill: 'mark', input: '/etc/hostname' } }));
    expect((await run.result()).outputs).toEqual({ free: { scope: null, target: '/etc/hostname' } });
    await baton.close();
  });

  it("gives a function its step's scope as context.scope, frozen, and null without one", async () => {
    const { baton } = await open();
    const seen: Record<string, { scope: readonly string[] | null; frozen: boolean }> = {};
    baton.register({
      id: 'reader',
      skills: { read: 1 },
      run: (_input, context) => {
        seen[context.step] = { scope: context.scope, frozen: Object.isFrozen(context.scope) };
        return null;
      },
    });
    const scoped = await baton.submit({
      baton: 1,
      name: 'fn',
      constraints: { scope: ['./data', 'https://api.example.com/v1'] },
      steps: {
        all: { skill: 'read' },
        some: { skill: 'read', constraints: { scope: ['https://api.example.com/v1/items'] } },
      },
    });
    expect((await scoped.result()).status).toBe('succeeded');
    const free = await baton.submit({ baton: 1, name: 'free', steps: { none: { skill: 'read' } } });
    expect((await free.result()).status).toBe('succeeded');
    expect(seen).toEqual({
      all: { scope: ['./data', 'https://api.example.com/v1'], frozen: true },
      some: { scope: ['https://api.example.com/v1/items'], frozen: true },
      none: { scope: null, frozen: true },
    });
    await baton.close();
  });
});
