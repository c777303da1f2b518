import type { Secret } from './redact.js';

/** Variables whose names match one of these are secrets unless `BATON_SECRET_PATTERNS` says otherwise. */
export const DEFAULT_SECRET_PATTERNS: readonly string[] = ['*_KEY', '*_TOKEN', '*_SECRET', '*_PASSWORD'];

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The name patterns in force: `BATON_SECRET_PATTERNS` (comma-separated, blanks ignored) when
 * it is set, else the defaults. Set to an empty string it turns pattern matching off, leaving
 * only the names a plan declares.
 */
export function secretPatterns(env: Environment): string[] {
  const listed = env.BATON_SECRET_PATTERNS;
  if (listed === undefined) return [...DEFAULT_SECRET_PATTERNS];
  return listed
    .split(',')
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
}

/**
 * A name pattern as a test: `*` stands for any run of characters, everything else for itself,
 * case-insensitively (a lower-case `api_key` is as secret as `API_KEY`). Any text is a valid
 * pattern, so a mistyped one redacts less, never fails an attempt.
 */
function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  const alternatives = patterns.map((pattern) =>
    pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*'),
  );
  const regex = new RegExp(`^(?:${alternatives.join('|')})$`, 'i');
  return (name) => regex.test(name);
}

/**
 * The names in `env` that the patterns in force make secret. Listing the environment is what
 * finding secrets costs (about 30 µs, a fifth of a no-op step's whole cost in the engine), so an
 * executor lists it once, when it starts, and at each attempt reads only these values.
 */
export function secretNames(env: Environment): string[] {
  const matches = nameMatcher(secretPatterns(env));
  return Object.keys(env).filter((name) => name !== 'BATON_SECRET_PATTERNS' && matches(name));
}

/**
 * The secrets now: each variable of `names` and of `declared` (a plan's `constraints.secrets`)
 * with its current value. Unset and empty variables are left out; `redact` also skips values too
 * short to redact.
 */
export function secretValues(env: Environment, names: readonly string[], declared: readonly string[] = []): Secret[] {
  const secrets: Secret[] = [];
  for (const name of new Set([...names, ...declared])) {
    const value = env[name];
    if (value !== undefined && value !== '') secrets.push({ name, value });
  }
  return secrets;
}

/**
 * The secrets in `env`: the variables named in `declared` and those whose names match the
 * patterns in force, each with its value.
 * @example
 * secretsInEnvironment({ MY_API_KEY: 'sk-123456', HOME: '/home/me' }, []);
 * // [{ name: 'MY_API_KEY', value: 'sk-123456' }]
 */
export function secretsInEnvironment(env: Environment, declared: readonly string[] = []): Secret[] {
  return secretValues(env, secretNames(env), declared);
}
