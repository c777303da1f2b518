import type { QueryConfig } from 'pg';

const names = new Map<string, string>();

/**
 * A statement as a named query: node-postgres prepares it once per connection, and the server
 * parses and plans it once there instead of on every call. The claim, report and append
 * statements run thousands of times a second under load, and on a small server parsing and
 * planning them was a large share of its work. Names are given in order of first use; the
 * text is the key, so one statement always has one name.
 */
export function prepared(text: string, values: unknown[]): QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `baton_${names.size + 1}`;
    names.set(text, name);
  }
  return { name, text, values };
}
