import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBaton } from '../../src/engine/index.js';
import { tempDir } from '../support/temp.js';
import { baton, ROOT } from './cli.js';

const EXAMPLE = join(ROOT, 'examples/registry');

describe('the workspace registry through the CLI', () => {
  it('runs a plan that only uses the ./baton.yaml of the directory it is started in, and lists it with health', async () => {
    const home = tempDir();
    const run = baton(['run', 'plans/release-notes.yaml', '--input', 'version=2.0.0', '--json'], {
      home,
      cwd: EXAMPLE,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: 'succeeded',
      outputs: { publish: { published: '2.0.0: faster routing, a workspace registry' } },
    });

    const listed = baton(['capabilities', '--json'], { home, cwd: EXAMPLE });
    expect(listed.code, listed.stderr).toBe(0);
    const view = JSON.parse(listed.stdout) as {
      registry: { file: string; hash: string; mayDeclare: string[] };
      capabilities: { descriptor: { id: string; kind: string }; source: string; health: { status: string } }[];
    };
    expect(view.registry).toMatchObject({ file: 'baton.yaml', mayDeclare: ['human', 'llm'] });
    expect(view.capabilities.map(({ descriptor, source, health }) => [descriptor.id, source, health.status])).toEqual([
      ['changelog', 'workspace', 'healthy'],
      ['publisher', 'workspace', 'healthy'],
    ]);

    // The run records the hash of the registry it was admitted under.
    const recorded = await createBaton({ home });
    const [created] = await recorded.events((JSON.parse(run.stdout) as { runId: string }).runId, 0, 1);
    expect(created?.data).toMatchObject({ registryHash: view.registry.hash });
    await recorded.close();
  });

  it('refuses a plan declaring a command the policy forbids, with file:line:col, and creates no workspace', () => {
    const home = join(tempDir(), 'home');
    const refused = baton(['run', 'plans/own-command.yaml'], { home, cwd: EXAMPLE });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'plans/own-command.yaml:6:11 capabilities.shell.kind: the workspace registry lets plans declare capabilities of kind human, llm, not command',
    );
    expect(existsSync(home)).toBe(false);
  });

  it('--registry and BATON_REGISTRY name the registry from anywhere; without one the plan has no such skills', () => {
    const home = tempDir();
    const plan = 'examples/registry/plans/release-notes.yaml';
    expect(baton(['--registry', 'examples/registry/baton.yaml', 'validate', plan], { home }).code).toBe(0);
    expect(baton(['validate', plan], { home, env: { BATON_REGISTRY: join(EXAMPLE, 'baton.yaml') } }).code).toBe(0);
    const without = baton(['validate', plan], { home });
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('no capability offers skill "changelog"');
    const missing = baton(['--registry', 'nowhere.yaml', 'validate', plan], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read registry file nowhere.yaml: no such file');
  });

  it('reads the provider limits docs/registry.md shows, and lists them with the example registry', () => {
    const doc = readFileSync(join(ROOT, 'docs/registry.md'), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1]!)
      .filter((b) => b.includes('limits:'));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const dir = tempDir();
      writeFileSync(join(dir, 'baton.yaml'), block);
      const listed = baton(['capabilities', '--json'], { home: tempDir(), cwd: dir });
      expect(listed.code, listed.stderr).toBe(0);
      expect((JSON.parse(listed.stdout) as { limits: unknown[] }).limits).toEqual([
        {
          key: 'openai',
          concurrent: 8,
          requests_per_minute: 500,
          tokens_per_minute: 200_000,
          load: { inFlight: 0, requests: 0, tokens: 0 },
          capabilities: [],
        },
      ]);
    }
    // The example registry the block is abridged from says the same.
    const example = baton(['capabilities', '--json'], { home: tempDir(), cwd: EXAMPLE });
    expect((JSON.parse(example.stdout) as { limits: { key: string }[] }).limits.map((limit) => limit.key)).toEqual([
      'openai',
    ]);
  });

  it('refuses a provider limit it could not enforce, saying where and what is valid', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'baton.yaml'), 'capabilities: {}\nlimits:\n  openai: { requests_per_minit: 60 }\n');
    const result = baton(['validate', join(ROOT, 'examples/patterns/sequence.yaml')], { home: tempDir(), cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'limits.openai.requests_per_minit: unknown limit "requests_per_minit": a limit key takes concurrent, requests_per_minute, tokens_per_minute',
    );
  });
});
