import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaton, NonRetryableError } from '../../src/index.js';
import {
  DEFAULT_SECRET_PATTERNS,
  redact,
  secretNames,
  secretPatterns,
  secretsInEnvironment,
  secretValues,
} from '../../src/engine/secrets/index.js';
import { tempDir } from '../support/temp.js';

describe('redact', () => {
  const key = { name: 'MY_API_KEY', value: 'sk-12345678' };

  it('replaces secret values in strings at any depth, object keys included, and leaves other values alone', () => {
    const value = { output: ['token sk-12345678 ok', { 'sk-12345678': 'x' }], count: 12345678, ok: true, none: null };
    expect(redact(value, [key])).toEqual({
      output: ['token [redacted:MY_API_KEY] ok', { '[redacted:MY_API_KEY]': 'x' }],
      count: 12345678,
      ok: true,
      none: null,
    });
  });

  it('does not change its input, and returns it as it is when there is nothing to redact', () => {
    const value = { message: 'sk-12345678' };
    expect(redact(value, [key])).toEqual({ message: '[redacted:MY_API_KEY]' });
    expect(value).toEqual({ message: 'sk-12345678' });
    expect(redact(value, [])).toBe(value);
  });

  it('replaces the longest secret first, so one that contains another is replaced whole', () => {
    const secrets = [
      { name: 'SHORT_KEY', value: 'abcd1234' },
      { name: 'LONG_KEY', value: 'abcd1234efgh' },
    ];
    expect(redact('abcd1234efgh abcd1234', secrets)).toBe('[redacted:LONG_KEY] [redacted:SHORT_KEY]');
  });

  it('never searches a replacement again', () => {
    const secrets = [
      { name: 'A_KEY', value: 'sk-aaaa' },
      { name: 'B_KEY', value: 'redacted' },
    ];
    expect(redact('sk-aaaa redacted', secrets)).toBe('[redacted:A_KEY] [redacted:B_KEY]');
  });

  it('ignores values shorter than 4 characters and takes values literally', () => {
    const secrets = [
      { name: 'FLAG_KEY', value: 'yes' },
      { name: 'EMPTY_KEY', value: '' },
      { name: 'ODD_KEY', value: 'a.b*(c)' },
    ];
    expect(redact('yes: a.b*(c), not aXb*(c)', secrets)).toBe('yes: [redacted:ODD_KEY], not aXb*(c)');
    expect(redact('abcd', [{ name: 'PIN_KEY', value: 'abcd' }])).toBe('[redacted:PIN_KEY]');
  });

  it('names the same variable every time when two hold one value', () => {
    const secrets = [
      { name: 'Z_TOKEN', value: 'same-value' },
      { name: 'A_TOKEN', value: 'same-value' },
    ];
    expect(redact('same-value', secrets)).toBe('[redacted:A_TOKEN]');
  });
});

describe('secretsInEnvironment', () => {
  const env = {
    MY_API_KEY: 'k-123456',
    GITHUB_TOKEN: 'ghp_123456',
    CLIENT_SECRET: 'c-123456',
    DB_PASSWORD: 'p-123456',
    HOME: '/home/me',
    KEYBOARD: 'us-intl',
    lower_api_key: 'l-123456',
    EMPTY_KEY: '',
  };

  it('takes variables whose names match the default patterns, in any case, and skips empty ones', () => {
    expect(DEFAULT_SECRET_PATTERNS).toEqual(['*_KEY', '*_TOKEN', '*_SECRET', '*_PASSWORD']);
    expect(secretsInEnvironment(env).map((secret) => secret.name)).toEqual([
      'MY_API_KEY',
      'GITHUB_TOKEN',
      'CLIENT_SECRET',
      'DB_PASSWORD',
      'lower_api_key',
    ]);
  });

  it('adds the variables a plan declares', () => {
    expect(secretsInEnvironment(env, ['HOME', 'UNSET']).map((secret) => secret.name)).toContain('HOME');
    expect(secretsInEnvironment(env, ['HOME'])).toContainEqual({ name: 'HOME', value: '/home/me' });
  });

  it('uses BATON_SECRET_PATTERNS instead of the defaults; set empty, only declared names count', () => {
    expect(secretPatterns({ BATON_SECRET_PATTERNS: ' VAULT_* , ,*_PIN' })).toEqual(['VAULT_*', '*_PIN']);
    expect(
      secretsInEnvironment({ ...env, BATON_SECRET_PATTERNS: 'vault_*', VAULT_ROLE: 'r-123456' }).map(
        (secret) => secret.name,
      ),
    ).toEqual(['VAULT_ROLE']);
    expect(
      secretsInEnvironment({ ...env, BATON_SECRET_PATTERNS: '' }, ['GITHUB_TOKEN']).map((secret) => secret.name),
    ).toEqual(['GITHUB_TOKEN']);
  });

  it('names are listed once; values, and declared variables, are read at each attempt', () => {
    const process = { MY_API_KEY: 'sk-first-value', HOME: '/home/me' } as Record<string, string | undefined>;
    const names = secretNames(process);
    expect(names).toEqual(['MY_API_KEY']);
    process.MY_API_KEY = 'sk-second-value';
    process.DEPLOY_HOOK = 'https://hooks.example.com/x';
    expect(secretValues(process, names, ['DEPLOY_HOOK', 'MY_API_KEY'])).toEqual([
      { name: 'MY_API_KEY', value: 'sk-second-value' },
      { name: 'DEPLOY_HOOK', value: 'https://hooks.example.com/x' },
    ]);
    delete process.MY_API_KEY;
    expect(secretValues(process, names)).toEqual([]);
  });

  it('redacts again when the values change (the compiled pattern is cached on them)', () => {
    expect(redact('a sk-first-value', [{ name: 'K', value: 'sk-first-value' }])).toBe('a [redacted:K]');
    expect(redact('a sk-first-value', [{ name: 'K', value: 'sk-other-value' }])).toBe('a sk-first-value');
    expect(redact('a sk-other-value', [{ name: 'K', value: 'sk-other-value' }])).toBe('a [redacted:K]');
  });
});

describe('secrets in what function capabilities return and throw', () => {
  const SECRET = 'fn-secret-0a1b2c3d4e5f';
  afterEach(() => {
    delete process.env.SERVICE_TOKEN;
  });

  it('keeps them out of the ledger and the database file', async () => {
    process.env.SERVICE_TOKEN = SECRET;
    const home = tempDir();
    const baton = await createBaton({ home });
    baton.register({ id: 'echo', skills: { echo: 1 }, run: () => ({ used: process.env.SERVICE_TOKEN }) });
    baton.register({
      id: 'deny',
      skills: { deny: 1 },
      run: () => Promise.reject(new NonRetryableError(`401 for token ${process.env.SERVICE_TOKEN ?? ''}`)),
    });
    const run = await baton.submit({
      baton: 1,
      name: 'fn',
      steps: { echo: { skill: 'echo' }, deny: { skill: 'deny', after: ['echo'] } },
    });
    expect(await run.result()).toMatchObject({ status: 'failed' });
    const events = await baton.events(run.runId);
    await baton.close();

    expect(events.find((event) => event.type === 'attempt.succeeded')?.data).toMatchObject({
      output: { used: '[redacted:SERVICE_TOKEN]' },
    });
    expect(events.find((event) => event.type === 'attempt.failed')?.data).toMatchObject({
      error: { message: '401 for token [redacted:SERVICE_TOKEN]' },
    });
    expect(events.find((event) => event.type === 'step.failed')?.data).toMatchObject({
      error: { message: '401 for token [redacted:SERVICE_TOKEN]' },
    });
    for (const file of ['baton.db', 'baton.db-wal']
      .map((name) => join(home, name))
      .filter((path) => existsSync(path))) {
      expect(readFileSync(file).includes(SECRET), file).toBe(false);
    }
  });
});
