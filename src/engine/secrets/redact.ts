/** A secret to keep out of everything Baton records: the environment variable's name and its value. */
export interface Secret {
  name: string;
  value: string;
}

/**
 * Values shorter than this are never redacted. A variable that holds `1`, `yes` or `dev`
 * would otherwise blank out every occurrence of that text in outputs and error messages,
 * and so short a value protects nothing anyway.
 */
export const MIN_SECRET_LENGTH = 4;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One pass over a string that replaces every secret value by `[redacted:NAME]`, or null when
 * there is nothing to redact. One alternation with the longest values first, so a secret that
 * contains another is replaced whole, and a replacement is never searched again (a value
 * such as `redacted` cannot eat into a `[redacted:NAME]` marker).
 */
function replacerFor(secrets: readonly Secret[]): ((text: string) => string) | null {
  const names = new Map<string, string>();
  // Sorted by name first: when two variables hold one value, the marker names the same one every time.
  for (const { name, value } of [...secrets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (value.length >= MIN_SECRET_LENGTH && !names.has(value)) names.set(value, name);
  }
  if (names.size === 0) return null;
  const values = [...names.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, (value) => `[redacted:${names.get(value) ?? '?'}]`);
}

// The secrets rarely change between attempts: keep the last replacer rather than compile its
// pattern again for every outcome.
let cached: { key: string; replace: ((text: string) => string) | null } | undefined;
function cachedReplacerFor(secrets: readonly Secret[]): ((text: string) => string) | null {
  const key = secrets.map(({ name, value }) => `${name}\u0000${value}`).join('\u0000\u0000');
  if (cached?.key !== key) cached = { key, replace: replacerFor(secrets) };
  return cached.replace;
}

function walk(value: unknown, replace: (text: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, replace));
  if (typeof value === 'object' && value !== null) {
    // Keys too: a command can print a secret as the name of a field.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [replace(key), walk(item, replace)]));
  }
  return value;
}

/**
 * `value` with every secret value in its strings (object keys included, at any depth)
 * replaced by `[redacted:NAME]`. Values shorter than MIN_SECRET_LENGTH are left alone.
 * Pure: the input is not changed; with nothing to redact it is returned as it is.
 * @example
 * redact({ stderr: 'token sk-12345 refused' }, [{ name: 'API_TOKEN', value: 'sk-12345' }]);
 * // { stderr: 'token [redacted:API_TOKEN] refused' }
 */
export function redact<T>(value: T, secrets: readonly Secret[]): T {
  const replace = cachedReplacerFor(secrets);
  return replace === null ? value : (walk(value, replace) as T);
}
