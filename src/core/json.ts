/** A JSON value: what plans, inputs, outputs and ledger events are made of. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * Sets `key` as an own property of an object being built. JSON may hold a `"__proto__"` key;
 * a plain assignment would set the object's prototype instead and lose the entry.
 * @example setOwn(out, '__proto__', 1) // out has an own "__proto__": 1
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
