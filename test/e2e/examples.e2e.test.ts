import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { baton, ROOT } from './cli.js';

const PATTERNS = join(ROOT, 'examples/patterns');
const yamlFiles = (dir: string): string[] => readdirSync(dir).filter((file) => file.endsWith('.yaml'));

describe('examples and the docs that quote them', () => {
  it('every pattern plan is valid, and every deliberately invalid one is refused with exit 2', () => {
    const home = tempDir();
    for (const file of yamlFiles(PATTERNS)) {
      const result = baton(['validate', join(PATTERNS, file)], { home });
      expect(result.code, `${file}: ${result.stderr}`).toBe(0);
    }
    for (const file of yamlFiles(join(PATTERNS, 'invalid'))) {
      const result = baton(['validate', join(PATTERNS, 'invalid', file)], { home });
      expect(result.code, file).toBe(2);
      expect(result.stderr).toMatch(/^baton: invalid plan\n {2}\S+\.yaml:\d+:\d+ /);
    }
  });

  it('every plan quoted in docs/plan-language.md is the file it names, word for word', () => {
    const doc = readFileSync(join(ROOT, 'docs/plan-language.md'), 'utf8');
    const quoted = [...doc.matchAll(/```yaml\n# (examples\/\S+\.yaml)\n([\s\S]*?)```/g)];
    expect(quoted.length).toBeGreaterThan(5);
    for (const [, file, rest] of quoted) {
      expect(rest, file).toBe(readFileSync(join(ROOT, file as string), 'utf8'));
    }
  });

  it('the function capability example runs from code', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'examples/function-capability.mjs')], {
      cwd: ROOT,
      env: { ...process.env, BATON_HOME: tempDir(), NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
  });
});
