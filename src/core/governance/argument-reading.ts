import { normalizePath, type PathEntry } from './scope-entry.js';

/**
 * How a program may read one command argument: as a path, as a URL, or as neither. The scope
 * check is only as good as this reading, so it takes the widest one any common parser would:
 * an argument a program could read as a URL or a path is treated as one, and one that looks
 * like a URL but cannot be checked is refused (fail closed).
 *
 * URLs are read with the global WHATWG `URL` class, the parser Node, browsers and Deno use:
 * it trims leading and trailing spaces and control characters, drops tabs and newlines
 * anywhere, reads `\` as `/` and `https:/x`, `https:x` as `https://x` for the special schemes,
 * lowercases and IDNA-encodes hosts and applies `..` (also written `%2e%2e`) to the path.
 */

/** What a program may read a text as: a path (not yet resolved), an http(s) URL, or something that cannot be checked. */
export type Reading =
  | { kind: 'path'; path: PathEntry; via: 'path' | 'file URL' }
  | { kind: 'url'; url: URL }
  | { kind: 'unchecked'; why: string };

/** Schemes whose URLs WHATWG parses with a host, also when written `scheme:/host` or `scheme:host`. */
const SPECIAL_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp', 'file']);

/** `scheme:` at the start, as RFC 3986 and WHATWG define a scheme (a letter, then letters, digits, `+`, `-`, `.`). */
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** A short option with a value attached (`-oVALUE`, `-xvfVALUE`): a dash, then a letter or digit. */
const SHORT_OPTION = /^-[a-zA-Z0-9]/;

/** The name of `NAME=VALUE` (`--out=`, `-D key=`, dd's `of=`): no separator, scheme colon or space in it. */
const ASSIGNMENT = /^[^=:/\\?#\s]*=/;

function isSpaceOrControl(char: string): boolean {
  return char <= ' ' || /\s/u.test(char);
}

/** Text without the spaces and control characters at its ends, which WHATWG and `trim()` drop. */
export function trimEnds(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpaceOrControl(text[start] as string)) start++;
  while (end > start && isSpaceOrControl(text[end - 1] as string)) end--;
  return text.slice(start, end);
}

/** Text as WHATWG reads it before parsing: ends trimmed, tabs and newlines removed anywhere. */
function urlText(text: string): string {
  return trimEnds(text).replace(/[\t\n\r]/g, '');
}

/** Whether text has a scheme where a URL parser would look for one. */
function hasScheme(text: string): boolean {
  return SCHEME.test(urlText(text));
}

/** Whether text has the shape of a path: absolute, explicitly relative or in a home directory, with `/` or `\` as separator. */
function isPathShaped(text: string): boolean {
  return /^(?:[/\\~]|\.\.?(?:[/\\]|$))/.test(text);
}

/**
 * The parts of one argument a program may read as a path or URL: the argument itself; for a
 * short option, its attached value (`-o/path` is `-o /path`; in a cluster such as
 * `-xvf/path` the value may start after any letter, so after the letters for a path and at
 * the scheme for a URL); and every VALUE of `NAME=VALUE`
 * (`--out=/path`, `-Dkey=/path`, `of=/path`), though never inside a URL (a query's `?a=/b`).
 * @example checkedParts('-o/etc/x') // ['-o/etc/x', '/etc/x']
 */
export function checkedParts(argument: string): string[] {
  const text = trimEnds(argument);
  const parts = [argument];
  if (SHORT_OPTION.test(text) && text.length > 2) {
    const attached = text.slice(2);
    const letters = (/^[a-zA-Z0-9]*/.exec(attached) as RegExpExecArray)[0];
    // In a cluster, a URL's value starts at its scheme (`-xvfhttps://host`), not at `vfhttps:`.
    const special = attached[letters.length] === ':' ? /(?:https?|wss?|ftp|file)$/i.exec(letters) : null;
    parts.push(special === null ? attached : attached.slice(special.index));
    if (letters !== '' && letters !== attached && special === null) parts.push(attached.slice(letters.length));
  }
  let rest = text;
  while (!hasScheme(rest)) {
    const name = ASSIGNMENT.exec(rest);
    if (name === null) break;
    rest = rest.slice(name[0].length);
    parts.push(rest);
  }
  return [...new Set(parts)];
}

/**
 * The host other parsers may read when the authority has user info: the part after its last
 * `@`, where `\` does not end the authority (WHATWG reads `https://a.com\@b.com` as host
 * `a.com`, curl and others as user `a.com\` at host `b.com`). Null when there is no `@`.
 */
function hostAfterUserInfo(text: string): string | null {
  const afterScheme = text.slice(text.indexOf(':') + 1).replace(/^[/\\]*/, '');
  const authority = afterScheme.split(/[/?#]/)[0] as string;
  const at = authority.lastIndexOf('@');
  return at === -1 ? null : authority.slice(at + 1);
}

/** WHATWG's reading of a host (lowercase, IDNA, canonical IPv4), or null when it is not one. */
function canonicalHost(hostAndPort: string): string | null {
  try {
    return new URL(`http://${hostAndPort}`).hostname;
  } catch {
    return null;
  }
}

function readFileUrl(url: URL): Reading {
  if (url.hostname !== '')
    return { kind: 'unchecked', why: `it is a file: URL on the host ${url.hostname}, which no scope path holds` };
  let path: string;
  try {
    // As a program turns it into a path: decoded, so `%2F` is a separator too.
    path = decodeURIComponent(url.pathname);
  } catch {
    return {
      kind: 'unchecked',
      why: 'it is a file: URL whose path is not valid percent-encoding, so it cannot be checked against the scope',
    };
  }
  return { kind: 'path', path: normalizePath(path), via: 'file URL' };
}

function readUrl(text: string): Reading | null {
  const scheme = (SCHEME.exec(text)?.[1] as string).toLowerCase();
  // `Accept: application/json`: a space after the colon makes a name and a value (a header),
  // which no parser of a scheme that has a host reads as a URL.
  if (!SPECIAL_SCHEMES.has(scheme) && text[scheme.length + 1] === ' ') return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { kind: 'unchecked', why: 'it is not a valid URL, so it cannot be checked against the scope' };
  }
  if (url.protocol === 'file:') return readFileUrl(url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      kind: 'unchecked',
      why: `a URL parser reads it as a URL with the scheme "${url.protocol}", and a scope holds only paths and http(s) URLs`,
    };
  }
  const other = hostAfterUserInfo(text);
  if (other !== null && canonicalHost(other) !== url.hostname) {
    return {
      kind: 'unchecked',
      why: `URL parsers disagree on its host (${url.hostname}, or ${other} after the last "@"), so it cannot be checked against the scope`,
    };
  }
  return { kind: 'url', url };
}

/**
 * What a program may read `text` as, or null when it names neither a path nor a URL (a word,
 * a number, a flag, a bare relative name such as `out/x`).
 * @example readArgument('https:/evil.example.com/x') // { kind: 'url', url: URL('https://evil.example.com/x') }
 */
export function readArgument(text: string): Reading | null {
  const trimmed = trimEnds(text);
  if (trimmed.startsWith('~')) {
    return {
      kind: 'unchecked',
      why: 'it starts with ~, a home directory, which is not known here, so it cannot be checked against the scope (write the path in full)',
    };
  }
  if (isPathShaped(trimmed)) return { kind: 'path', path: normalizePath(trimmed), via: 'path' };
  const url = urlText(text);
  return SCHEME.test(url) ? readUrl(url) : null;
}
