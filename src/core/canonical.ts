/**
 * RFC 8785 (JSON Canonicalization Scheme): keys sorted by UTF-16 code units, numbers and
 * strings as ECMAScript's JSON.stringify writes them (which is what the RFC specifies), no
 * whitespace. Hashes are taken over this form, so the same event always hashes the same
 * whatever the key order it was built with; the conductor compares plan steps and consensus
 * outputs in it. NaN and Infinity have no JSON form and throw, as `undefined` at the top does.
 *
 * Written out here rather than through the `canonicalize` package, on purpose: every ledger
 * event is canonicalized when it is chained and again when it is verified, and the package's
 * reduce-and-template form took twice as long (1.95 against 0.94 us per event of a fan-out
 * run). test/core/canonical.test.ts holds the two equal on arbitrary JSON values.
 */
export function canonicalJson(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

function serialize(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError(`${value} is not allowed in canonical JSON`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return serialize((value as { toJSON: () => unknown }).toJSON());
      return Array.isArray(value) ? serializeArray(value) : serializeObject(value as Record<string, unknown>);
    default:
      // undefined, functions and symbols have no JSON form; a bigint throws, as in JSON.stringify.
      return JSON.stringify(value);
  }
}

function serializeArray(items: readonly unknown[]): string {
  let text = '[';
  for (let index = 0; index < items.length; index += 1) {
    if (index > 0) text += ',';
    // A hole, undefined, a function or a symbol is written null, as JSON.stringify does.
    text += serialize(items[index]) ?? 'null';
  }
  return `${text}]`;
}

function serializeObject(object: Record<string, unknown>): string {
  const keys = sortedKeys(object);
  let text = '{';
  // The keys of a large object (a plan's steps, by id) are not kept: they would fill the map
  // before the names every event repeats are met.
  const keep = keys.length <= QUOTED_KEYS_PER_OBJECT;
  for (const key of keys) {
    const member = serialize(object[key]);
    if (member === undefined) continue; // undefined, functions and symbols are left out
    if (text.length > 1) text += ',';
    text += (keep ? quotedKey(key) : `${JSON.stringify(key)}:`) + member;
  }
  return `${text}}`;
}

/**
 * Keys written `"key":` once and kept: events repeat a few dozen names (step, capability,
 * reason, ...), and quoting each again, in its own template, was 40% of serializing a fan-out
 * round's events (4,000 events: 5.4 -> 3.2 ms, p25 of 80, interleaved). Bounded in count and
 * length, since keys also come from data (inputs, outputs), and only keys of objects of at most
 * QUOTED_KEYS_PER_OBJECT keys: the first ones met are kept, for the life of the process;
 * JSON.stringify of a string never changes, so nothing goes stale.
 */
const QUOTED_KEYS_KEPT = 1_024;
const QUOTED_KEYS_PER_OBJECT = 16;
const QUOTED_KEY_LENGTH_KEPT = 64;
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < QUOTED_KEYS_KEPT && key.length <= QUOTED_KEY_LENGTH_KEPT) quotedKeys.set(key, quoted);
  }
  return quoted;
}

/**
 * The object's keys in UTF-16 code unit order (what `sort()` without a comparator gives, and
 * what RFC 8785 asks for). An event's objects have a handful of keys: sorted in place by
 * insertion here, since `Array.prototype.sort` allocates a work copy on every call, and the
 * ledger sorts the keys of every object of every event.
 */
function sortedKeys(object: Record<string, unknown>): string[] {
  const keys = Object.keys(object);
  if (keys.length > 16) return keys.sort();
  for (let index = 1; index < keys.length; index += 1) {
    const key = keys[index] as string;
    let at = index - 1;
    while (at >= 0 && (keys[at] as string) > key) {
      keys[at + 1] = keys[at] as string;
      at -= 1;
    }
    keys[at + 1] = key;
  }
  return keys;
}
