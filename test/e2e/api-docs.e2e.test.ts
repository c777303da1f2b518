import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { BIN, ROOT } from './cli.js';

interface Block {
  code: string;
  /** The output shown right after the block, and its fence's language. */
  expected?: { language: string; text: string };
}

/** The `sh` blocks of a Markdown file, in order, each with the `json` or `text` block that follows it, if any. */
function shellBlocks(markdown: string): Block[] {
  const fences = [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    language: m[1] as string,
    text: m[2] as string,
    start: m.index,
    end: m.index + m[0].length,
  }));
  const blocks: Block[] = [];
  for (const [i, fence] of fences.entries()) {
    if (fence.language !== 'sh') continue;
    const next = fences[i + 1];
    const between = next ? markdown.slice(fence.end, next.start) : '';
    const shown =
      next && (next.language === 'json' || next.language === 'text') && between.trim() === ''
        ? { language: next.language, text: next.text }
        : undefined;
    blocks.push({ code: fence.text, ...(shown && { expected: shown }) });
  }
  return blocks;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Keys whose values the docs show as they will be; other values (ids, times, hashes) need only have the same type. */
const EXACT = new Set([
  'code',
  'type',
  'verdict',
  'valid',
  'ok',
  'kind',
  'sealed',
  'step',
  'capability',
  'created',
  'seq',
  'path',
  'line',
  'column',
  'name',
  'status',
  'next',
  'events',
  'text',
]);

/** Asserts `actual` has the shape shown: every key shown, with the same type, and the same value for the keys in EXACT. */
function expectShape(shown: unknown, actual: unknown, where: string, key = ''): void {
  if (Array.isArray(shown)) {
    expect(Array.isArray(actual), where).toBe(true);
    expect((actual as unknown[]).length, `${where}: length`).toBe(shown.length);
    shown.forEach((item, i) => expectShape(item, (actual as unknown[])[i], `${where}[${i}]`, key));
  } else if (shown !== null && typeof shown === 'object') {
    expect(actual !== null && typeof actual === 'object' && !Array.isArray(actual), where).toBe(true);
    for (const [name, value] of Object.entries(shown)) {
      expect(actual as object, where).toHaveProperty([name]);
      expectShape(value, (actual as Record<string, unknown>)[name], `${where}.${name}`, name);
    }
  } else if (EXACT.has(key)) {
    expect(actual, where).toEqual(shown);
  } else {
    expect(typeof actual, where).toBe(typeof shown);
  }
}

/** JSON text: one document, or one document per line. */
function parseJsonOutput(text: string): unknown[] {
  try {
    return [JSON.parse(text)];
  } catch {
    return text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
  }
}

/**
 * Runs shell blocks one after the other in one bash process, from the repository root, on a
 * fresh workspace, with `baton` on the PATH and port 8080 replaced by a free one; returns each
 * block's output. The server a block starts in the background is stopped at the end.
 */
async function runBlocks(blocks: readonly Block[]): Promise<string[]> {
  const bin = tempDir();
  writeFileSync(join(bin, 'baton'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, 'baton'), 0o755);
  const port = await freePort();
  const script = [
    'set -euo pipefail',
    "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT",
    // Markers start a line of their own even after an answer that does not end with one.
    ...blocks.map((block, i) => `printf '\\n@@block ${i}@@\\n'\n${block.code.replaceAll('8080', String(port))}`),
    "printf '\\n@@end@@\\n'",
  ].join('\n');
  const result = spawnSync('bash', ['-c', script], {
    cwd: ROOT,
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      BATON_HOME: join(tempDir(), 'workspace'),
      NO_COLOR: '1',
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(result.status, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
  const outputs = result.stdout.split(/^@@block \d+@@\n/m).slice(1);
  outputs[outputs.length - 1] = (outputs.at(-1) as string).split('@@end@@')[0] as string;
  expect(outputs).toHaveLength(blocks.length);
  return outputs;
}

describe('the HTTP API examples run as written', () => {
  it('docs/api.md: its curl walk-through runs against baton serve and answers as shown', async () => {
    const blocks = shellBlocks(readFileSync(join(ROOT, 'docs/api.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThan(10);
    const outputs = await runBlocks(blocks);
    for (const [i, block] of blocks.entries()) {
      const output = outputs[i] as string;
      const where = `block ${i}: ${block.code.split('\n')[0]}\n--- got:\n${output}`;
      if (!block.expected) {
        // A block that shows no answer must not have answered with an error.
        if (i > 0) expect(output, where).not.toMatch(/"error":/);
        continue;
      }
      if (block.expected.language === 'text') {
        expect(output.trim(), where).toBe(block.expected.text.trim());
        continue;
      }
      const shown = parseJsonOutput(block.expected.text);
      const actual = parseJsonOutput(output);
      expect(actual.length, where).toBe(shown.length);
      shown.forEach((document, j) => expectShape(document, actual[j], `${where}\n--- at document ${j}`));
    }
  });

  it('README: the HTTP API example follows the quickstart run to its end', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## The HTTP API'), readme.indexOf('## How it works'));
    const blocks = shellBlocks(section);
    expect(blocks).toHaveLength(1);
    // `npx baton` is the package's `baton`, which runBlocks puts on the PATH.
    const [output] = await runBlocks(blocks.map((block) => ({ code: block.code.replaceAll('npx baton', 'baton') })));
    const events = parseJsonOutput((output as string).slice((output as string).indexOf('{"seq"'))) as {
      seq: number;
      type: string;
    }[];
    expect(events[0]).toEqual({ seq: 1, type: 'run.created' });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.type).toBe('run.succeeded');
  });
});
