import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, ROOT } from './cli.js';

function codeBlocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map(
    (match) => match[1] as string,
  );
}

describe('README examples run as written', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('the library example', () => {
    const [example] = codeBlocks(readme, 'ts');
    // Inside the package, `import ... from 'baton-engine'` resolves to the package itself (self-reference).
    const file = join(ROOT, `readme-example-${process.pid}.mts`);
    const home = tempDir();
    writeFileSync(file, (example as string).replace("home: '.baton'", `home: ${JSON.stringify(home)}`));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', file], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('outputs: { first: 42, second: 84 }');
      expect(result.stdout).toMatch(/^1 run\.created$/m);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('the plan example', () => {
    const plan = codeBlocks(readme, 'yaml')[0] as string;
    // Saved where the README says, next to the scripts it names; run from the root and from inside examples/.
    const name = `readme-plan-${process.pid}.yaml`;
    const file = join(ROOT, 'examples', name);
    writeFileSync(file, plan);
    try {
      for (const [args, cwd] of [
        [['run', `examples/${name}`], ROOT],
        [['run', name], join(ROOT, 'examples')],
      ] as const) {
        const result = baton([...args], { home: tempDir(), cwd });
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/steps: 2 done, 0 skipped, 0 failed/);
      }
    } finally {
      rmSync(file, { force: true });
    }
  });
});
