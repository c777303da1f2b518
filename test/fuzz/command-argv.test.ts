import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandRunner } from '../../src/capabilities/command/command-capability.js';
import { CapabilityFailure, type Invocation } from '../../src/capabilities/types.js';
import { argumentOutsideScope, type Json, type JsonObject } from '../../src/core/index.js';
import { tempDir } from '../support/temp.js';
import { FUZZ_TIMEOUT_MS, fuzzOptions } from './budget.js';

/**
 * A template cannot inject arguments into a `command` capability: whatever a value holds
 * (spaces, quotes, `--flag`, `$(...)`, newlines), each templated argument reaches the program
 * as exactly one argument, byte for byte. Proven with a real program that prints its argv.
 */

/** Strings made to break a shell or an argument parser. */
const hostileText = fc.oneof(
  fc.constantFrom(
    '--flag',
    '-e',
    '--',
    'a b',
    '"quoted" \'single\'',
    '$(touch pwned)',
    '`id`',
    '; echo pwned',
    '&& echo pwned',
    '| cat',
    '\n--inject',
    '*',
    '~',
    '$HOME',
    '%PATH%',
    '\\',
    '{{ inputs.a }}',
    '}}',
    '',
    ' ',
    '\t',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }).filter((text) => !text.includes('\u0000')),
  fc
    .array(fc.constantFrom('--x', ' ', '"', "'", '=', 'a', '$', '\n', ';'), { maxLength: 10 })
    .map((parts) => parts.join('')),
);

function invocation(input: Json, inputs: JsonObject, dir: string, scope: readonly string[] | null = null): Invocation {
  return {
    runId: 'run-fuzz',
    step: 'echo',
    attemptId: 'echo/a1',
    idempotencyKey: 'run-fuzz/echo',
    input,
    inputs,
    scope,
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
    command: [
      process.execPath,
      script,
      '{{ inputs.a }}',
      '--name={{ inputs.a }}',
      '{{ input.words }}',
      '{{ input.b }} and {{ input.n }}',
      '{{ input.words[0] }}',
    ],
  });

  it('each templated argument stays one argument, exactly as rendered', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileText,
        hostileText,
        fc.array(hostileText, { minLength: 1, maxLength: 3 }),
        fc.integer(),
        async (a, b, words, n) => {
          const argv = await runner.invoke(invocation({ b, n, words }, { a }, tempDir()));
          expect(argv).toEqual([a, `--name=${a}`, JSON.stringify(words), `${b} and ${n}`, words[0]]);
        },
      ),
      fuzzOptions(20),
    );
  });

  it('a value with a NUL byte, which no argv can hold, fails the attempt and runs nothing', async () => {
    // Before, spawn's TypeError became a retryable `exception`: the same argument was tried again.
    const failure = await runner
      .invoke(invocation({ b: 'x', n: 1, words: ['y'] }, { a: 'a\u0000--flag' }, tempDir()))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CapabilityFailure);
    expect((failure as CapabilityFailure).error).toMatchObject({
      type: 'spawn',
      retryable: false,
      message: expect.stringMatching(/command\[2\] holds a NUL byte/),
    });
  });
});

/**
 * The scope check reads an argument as the most permissive common parser would (see
 * `argument-reading.ts`): generated variants of the forms that once escaped it (scheme case,
 * one slash or backslashes, spaces, tabs and newlines, user info, attached short options,
 * NAME=VALUE) are always refused, and in-scope variants always pass.
 */
describe('command arguments against a scope, in the forms parsers accept', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const scope = ['./data', 'https://api.example.com/v1'];
  const cwd = '/home/me/project';
  const outside = (argument: string) => argumentOutsideScope(['tool', argument], scope, cwd);

  /** Each letter in upper or lower case. */
  const anyCase = (text: string) =>
    fc
      .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
      .map((upper) => [...text].map((char, i) => (upper[i] ? char.toUpperCase() : char)).join(''));
  /** Characters WHATWG (or a program's trim()) drops at either end; not NUL, which no argv can hold. */
  const edge = fc
    .array(fc.constantFrom(' ', '\t', '\n', '\r', '\u000b', '\u001f', '\u00a0'), { maxLength: 3 })
    .map((chars) => chars.join(''));
  const name = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
  /** A value in every place a program takes one: whole, `--x=`, `-x` attached, in a cluster, NAME=, after spaces. */
  const placed = (value: fc.Arbitrary<string>) =>
    fc
      .tuple(fc.constantFrom('', '--url=', '-o', '-xvf', 'of=', '-Dkey=', '--set=a='), edge, value, edge)
      .map(
        ([option, before, text, after]) =>
          `${option}${option === '' || option.endsWith('=') ? before : ''}${text}${after}`,
      );

  const scheme = fc
    .tuple(fc.constantFrom('https', 'http'), fc.nat(5), fc.constantFrom('', '\t', '\n'))
    .chain(([text, at, inside]) => anyCase(text).map((cased) => cased.slice(0, at) + inside + cased.slice(at)));
  const slashes = fc.constantFrom('//', '/', '', '\\\\', '\\', '/\\', '\\/', '///');
  const evilHost = fc.tuple(
    fc.constantFrom('', 'api.example.com@', 'api.example.com:443@', 'user:pw@'),
    anyCase('evil.example.com'),
    fc.constantFrom('', ':443', ':8080'),
  );
  const evilUrl = fc
    .tuple(scheme, slashes, evilHost, fc.constantFrom('', '/', '/v1', '/v1/items', '\\v1'))
    .map(([s, sep, [user, host, port], path]) => `${s}:${sep}${user}${host}${port}${path}`);
  const outsidePath = fc
    .tuple(
      fc.constantFrom(
        '/',
        '//',
        '\\',
        '../',
        '..\\',
        './data/../../',
        './data/..\\..\\',
        'file:///home/me/project/data/%2e%2e/',
        'file:./data/..%2F..%2F',
        '~/',
        '~root/',
        'file:///',
        'FILE:/etc/',
      ),
      name,
    )
    .map(([prefix, tail]) => prefix + tail);

  it('refuses every variant of a URL on another host and of a path outside the scope, before anything runs', async () => {
    const runner = commandRunner('echo', {
      kind: 'command',
      skills: { echo: 1 },
      command: [process.execPath, '-e', 'process.exit(0)', '{{ inputs.a }}'],
    });
    await fc.assert(
      fc.asyncProperty(placed(fc.oneof(evilUrl, outsidePath)), async (argument) => {
        expect(outside(argument), JSON.stringify(argument)).not.toBeNull();
        // The same argument through the real command runner: refused with type `scope`, never spawned.
        const failure = await runner
          .invoke(invocation(null, { a: argument }, tempDir(), scope))
          .catch((error: unknown) => error);
        expect((failure as CapabilityFailure).error).toMatchObject({
          type: 'scope',
          retryable: false,
          detail: { argument: 3, value: argument },
        });
      }),
      fuzzOptions(100),
    );
  });

  it('lets through every variant of a URL or path within the scope, and words, numbers and flags', () => {
    const apiUrl = fc
      .tuple(
        anyCase('https'),
        anyCase('api.example.com'),
        fc.constantFrom('', ':443'),
        anyCase('v1'),
        fc.array(name, { maxLength: 3 }),
        fc.constantFrom('', '?q=1', '?next=/x&a=b', '#top'),
      )
      .map(
        ([s, host, port, v1, segments, query]) =>
          `${s}://${host}${port}/${v1.toLowerCase()}${segments.map((part) => `/${part}`).join('')}${query}`,
      );
    const dataPath = fc
      .tuple(fc.constantFrom('./data', 'data/../data', './data/./', './x/../data'), fc.array(name, { maxLength: 3 }))
      .map(([base, segments]) => [base.startsWith('.') ? base : `./${base}`, ...segments].join('/'));
    const plain = fc.oneof(
      fc.constantFrom('-v', '-vvv', '--verbose', '-', '--', 'hello world', 'Accept: application/json', 'out/x'),
      fc.integer().map((n) => `-n${n}`),
      fc.double({ noNaN: true }).map(String),
      name,
    );
    fc.assert(
      fc.property(fc.oneof(placed(fc.oneof(apiUrl, dataPath)), plain), (argument) => {
        expect(outside(argument), JSON.stringify(argument)).toBeNull();
      }),
      fuzzOptions(200),
    );
  });
});
