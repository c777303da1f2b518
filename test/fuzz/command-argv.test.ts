import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandRunner } from '../../src/capabilities/command/command-capability.js';
import { CapabilityFailure, type Invocation } from '../../src/capabilities/types.js';
import type { Json, JsonObject } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';
import { FUZZ_TIMEOUT_MS, fuzzOptions } from './budget.js';

/**
 * A template cannot inject arguments into a `command` capability: whatever a value holds
 * (spaces, quotes, `--flag`, `$(...)`, newlines), each templated argument reaches the program
 * as exactly one argument, byte for byte. Proven with a real program that prints its argv.
 */

/** Strings made to break a shell or an argument parser. */
const hostileText = fc.oneof(
  fc.constantFrom('--flag', '-e', '--', 'a b', '"quoted" \'single\'', '$(touch pwned)', '`id`', '; echo pwned', '&& echo pwned', '| cat', '\n--inject', '*', '~', '$HOME', '%PATH%', '\\', '{{ inputs.a }}', '}}', '', ' ', '\t'),
  fc.string({ unit: 'binary', maxLength: 30 }).filter((text) => !text.includes('\u0000')),
  fc.array(fc.constantFrom('--x', ' ', '"', "'", '=', 'a', '$', '\n', ';'), { maxLength: 10 }).map((parts) => parts.join('')),
);

function invocation(input: Json, inputs: JsonObject, dir: string): Invocation {
  return {
    runId: 'run-fuzz',
    step: 'echo',
    attemptId: 'echo/a1',
    idempotencyKey: 'run-fuzz/echo',
    input,
    inputs,
    scope: null,
    signal: new AbortController().signal,
    files: { artifactsDir: () => dir, costFile: () => join(dir, 'cost') } as Invocation['files'],
  };
}

describe('command arguments under hostile template values', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const dir = tempDir();
  const script = join(dir, 'argv.mjs');
  writeFileSync(script, 'process.stdout.write(JSON.stringify(process.argv.slice(2)));\n');
  const runner = commandRunner('echo', {
    kind: 'command',
    skills: { echo: 1 },
    command: [process.execPath, script, '{{ inputs.a }}', '--name={{ inputs.a }}', '{{ input.words }}', '{{ input.b }} and {{ input.n }}', '{{ input.words[0] }}'],
  });

  it('each templated argument stays one argument, exactly as rendered', async () => {
    await fc.assert(
      fc.asyncProperty(hostileText, hostileText, fc.array(hostileText, { minLength: 1, maxLength: 3 }), fc.integer(), async (a, b, words, n) => {
        const argv = await runner.invoke(invocation({ b, n, words }, { a }, tempDir()));
        expect(argv).toEqual([a, `--name=${a}`, JSON.stringify(words), `${b} and ${n}`, words[0]]);
      }),
      fuzzOptions(20),
    );
  });

  it('a value with a NUL byte, which no argv can hold, fails the attempt and runs nothing', async () => {
    // Before, spawn's TypeError became a retryable `exception`: the same argument was tried again.
    const failure = await runner.invoke(invocation({ b: 'x', n: 1, words: ['y'] }, { a: 'a\u0000--flag' }, tempDir())).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CapabilityFailure);
    expect((failure as CapabilityFailure).error).toMatchObject({ type: 'spawn', retryable: false, message: expect.stringMatching(/command\[2\] holds a NUL byte/) });
  });
});
