/**
 * What a `constraints.scope` entry means. Three forms, told apart by how they start:
 * - a **path**: starts with `/` (absolute) or is `.`/`..` or starts with `./`/`../` (relative to
 *   the directory commands run in). `out/data` is not a path: write `./out/data`.
 * - an **http(s) URL**: `https://api.example.com/v1`: that origin (scheme, host, port) and
 *   everything under that path.
 * - a **host**: `api.example.com`, `localhost:8080`: every http(s) URL on that host (and port,
 *   if given). Subdomains are not included: list each host.
 *
 * Everything is compared lexically, whole segment by whole segment after normalization
 * (`.`, `..`, repeated and trailing slashes): `/srv/data` holds `/srv/data/a` but not
 * `/srv/database`. Pure: no file system, no DNS, so symbolic links are not followed.
 */

export type ScopeEntry =
  /** `up`: how many `..` a relative path starts with; always 0 when it is absolute. */
  | { kind: 'path'; absolute: boolean; up: number; segments: readonly string[] }
  /** `port` is null when the entry names none: any port of the host. */
  | { kind: 'host'; hostname: string; port: string | null }
  /** `port` is the effective port (80 or 443 when the URL names none). */
  | { kind: 'url'; protocol: string; hostname: string; port: string; segments: readonly string[] };

export type PathEntry = Extract<ScopeEntry, { kind: 'path' }>;

export type ParsedScopeEntry = { ok: true; entry: ScopeEntry } | { ok: false; reason: string };

export const SCOPE_FORMS =
  'a path (`/srv/data`, `./out`), an http(s) URL (`https://api.example.com/v1`) or a host (`api.example.com`, `localhost:8080`)';

/** Whether an argument or entry has the shape of a path: absolute, or explicitly relative. */
export function isPathLike(text: string): boolean {
  return text.startsWith('/') || text === '.' || text === '..' || text.startsWith('./') || text.startsWith('../');
}

/** Whether text has the shape of an http(s) URL; other schemes are not scope entries nor checked. */
export function isHttpUrlLike(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

/**
 * A path in normal form: `.` and empty segments dropped, `..` applied (it cannot climb above
 * `/`). `\` separates segments too, as on Windows: on other systems that reads a file name
 * with a backslash as two segments, which can only make a check stricter.
 */
export function normalizePath(text: string): PathEntry {
  const absolute = text.startsWith('/') || text.startsWith('\\');
  const segments: string[] = [];
  let up = 0;
  for (const part of text.split(/[/\\]/)) {
    if (part === '' || part === '.') continue;
    if (part !== '..') segments.push(part);
    else if (segments.length > 0) segments.pop();
    else if (!absolute) up += 1;
  }
  return { kind: 'path', absolute, up, segments };
}

/**
 * An http(s) URL as a scope target: its origin and path segments; query, fragment and user
 * info do not count. WHATWG has applied `..` and `%2e%2e`, but keeps `%2F` and `%5C` inside a
 * segment; many servers decode them to separators, so `/v1/..%2Fadmin` is read as `/admin`.
 */
export function urlTarget(url: URL): Extract<ScopeEntry, { kind: 'url' }> {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  const path = url.pathname.replace(/%2f|%5c/gi, '/').replace(/%2e/gi, '.');
  return { kind: 'url', protocol: url.protocol, hostname: url.hostname, port, segments: normalizePath(path).segments };
}

function parseUrl(text: string): ParsedScopeEntry {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: `"${text}" is not a valid URL` };
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return {
      ok: false,
      reason: `"${text}" has a user, query or fragment; a scope URL is a scheme, host, optional port and path prefix`,
    };
  }
  return { ok: true, entry: urlTarget(url) };
}

function parseHost(text: string): ParsedScopeEntry {
  const invalid: ParsedScopeEntry = {
    ok: false,
    reason: `"${text}" is not a path, URL or host; a scope entry is ${SCOPE_FORMS}`,
  };
  if (/[/?#@\\\s]/.test(text)) return invalid;
  let url: URL;
  try {
    url = new URL(`http://${text}`);
  } catch {
    return invalid;
  }
  // The URL parser drops a default port (`:80`); the entry keeps the port as written.
  const port = /^(?:\[[^\]]*\]|[^:]*):(\d+)$/.exec(text)?.[1] ?? null;
  if (url.hostname === '' || (port !== null && (Number(port) < 1 || Number(port) > 65535))) return invalid;
  return {
    ok: true,
    entry: { kind: 'host', hostname: url.hostname, port: port === null ? null : String(Number(port)) },
  };
}

/**
 * Parses one scope entry, or says why it is none of the three forms.
 * @example parseScopeEntry('./out') // { ok: true, entry: { kind: 'path', absolute: false, up: 0, segments: ['out'] } }
 */
export function parseScopeEntry(text: string): ParsedScopeEntry {
  if (text.includes('*'))
    return {
      ok: false,
      reason: `"${text}" has a wildcard; scope entries are prefixes, not patterns: list each path or host`,
    };
  if (isPathLike(text)) return { ok: true, entry: normalizePath(text) };
  if (text.includes('://')) {
    if (!isHttpUrlLike(text))
      return { ok: false, reason: `"${text}" is not an http or https URL; a scope entry is ${SCOPE_FORMS}` };
    return parseUrl(text);
  }
  return parseHost(text);
}

function startsWith(segments: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= segments.length && prefix.every((part, i) => segments[i] === part);
}

/**
 * Whether everything `inner` names is also named by `outer`. Two relative paths compare as
 * written (`..` holds `./a`; `../x` does not hold `./a`, since that depends on the directory's
 * name); a relative and an absolute path never hold each other until resolved against a
 * directory (see `resolveEntry`).
 */
export function entryHolds(outer: ScopeEntry, inner: ScopeEntry): boolean {
  switch (outer.kind) {
    case 'path':
      if (inner.kind !== 'path' || outer.absolute !== inner.absolute) return false;
      if (outer.up === inner.up) return startsWith(inner.segments, outer.segments);
      return outer.up > inner.up && outer.segments.length === 0;
    case 'host':
      if (inner.kind === 'path' || inner.hostname !== outer.hostname) return false;
      return outer.port === null || outer.port === inner.port;
    case 'url':
      if (inner.kind !== 'url') return false;
      return (
        inner.protocol === outer.protocol &&
        inner.hostname === outer.hostname &&
        inner.port === outer.port &&
        startsWith(inner.segments, outer.segments)
      );
  }
}

/** A path made absolute against `directory` (an absolute path). */
export function resolvePath(path: PathEntry, directory: string): PathEntry {
  return path.absolute ? path : normalizePath(`${directory}/${'../'.repeat(path.up)}${path.segments.join('/')}`);
}

/** A path entry made absolute against `directory`; other entries as they are. */
export function resolveEntry(entry: ScopeEntry, directory: string): ScopeEntry {
  return entry.kind === 'path' ? resolvePath(entry, directory) : entry;
}

/** A path in normal form, for messages: `/srv/data`, `./out`, `../out`, `.`. */
export function describePath(path: PathEntry): string {
  const text = [...Array<string>(path.up).fill('..'), ...path.segments].join('/');
  if (path.absolute) return `/${text}`;
  return text === '' ? '.' : path.up > 0 ? text : `./${text}`;
}
