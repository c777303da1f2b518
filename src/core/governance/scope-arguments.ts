import { checkedParts, readArgument } from './argument-reading.js';
import {
  describePath,
  entryHolds,
  isPathLike,
  parseScopeEntry,
  resolveEntry,
  resolvePath,
  urlTarget,
  type ScopeEntry,
} from './scope-entry.js';

/**
 * The check a command's arguments get before it is spawned: every part of an argument that a
 * program may read as a path or a URL (see `argument-reading.ts`) must be within the step's
 * scope. It is a check of declared intent, not a sandbox: a command can still touch what it
 * computes or reads from elsewhere (its stdin, a bare relative name such as `out/x`, which
 * cannot be told from text).
 */

/** An argument outside the scope: where it is in argv, what it is, and why it is refused. */
export interface ScopeViolation {
  /** Position in argv, as in the capability's `command` list (0 is the program, never checked). */
  index: number;
  value: string;
  message: string;
}

type Target = { ok: true; target: ScopeEntry; shown: string; relative: boolean } | { ok: false; why: string } | null;

/** What an argument (or a part of it: see `checkedParts`) names, resolved against `directory`; null when it names no path or URL. */
function targetOf(text: string, directory: string): Target {
  const reading = readArgument(text);
  switch (reading?.kind) {
    case undefined:
      return null;
    case 'unchecked':
      return { ok: false, why: reading.why };
    case 'url': {
      const { url } = reading;
      const target = urlTarget(url);
      const read = `/${target.segments.join('/')}`;
      // Shown as WHATWG resolves it, and as a server that decodes `%2F` reads its path when that differs.
      const decoded =
        url.pathname.replace(/\/$/, '') === read.replace(/\/$/, '')
          ? ''
          : ` (read as ${url.origin}${read} where %2F is decoded)`;
      return { ok: true, target, shown: `the URL ${url.origin}${url.pathname}${decoded}`, relative: false };
    }
    case 'path': {
      // Absolute once resolved, whatever it was: shown as the path the command would open.
      const target = resolvePath(reading.path, directory);
      const shown =
        reading.via === 'file URL'
          ? `the path ${describePath(target)} (a file: URL)`
          : `the path ${describePath(target)}`;
      return { ok: true, target, shown, relative: !reading.path.absolute };
    }
  }
}

/** Text in double quotes, with control characters written as escapes so that a tab or a newline can be seen. */
function quoted(text: string): string {
  // eslint-disable-next-line no-control-regex -- the control characters are what this makes visible
  return `"${text.replace(/[\u0000-\u001f\u007f]/g, (char) => JSON.stringify(char).slice(1, -1))}"`;
}

/**
 * The first argument of `argv` (after the program) that names a path or an http(s) URL
 * outside `scope`, or null when every one is within it. Relative paths, in arguments and in
 * the scope, are resolved against `directory` (absolute: where the command runs); an entry
 * that does not parse holds nothing.
 * @example argumentOutsideScope(['cp', 'a', '/etc/passwd'], ['./out'], '/home/me/project') // { index: 2, ... }
 */
export function argumentOutsideScope(
  argv: readonly string[],
  scope: readonly string[],
  directory: string,
): ScopeViolation | null {
  const entries = scope.flatMap((text) => {
    const parsed = parseScopeEntry(text);
    return parsed.ok ? [resolveEntry(parsed.entry, directory)] : [];
  });
  const relativeEntries = scope.some((text) => isPathLike(text) && !text.startsWith('/'));
  for (let index = 1; index < argv.length; index++) {
    const value = argv[index] as string;
    for (const part of checkedParts(value)) {
      const found = targetOf(part, directory);
      if (found === null) continue;
      const named = part === value ? '' : ` (its value ${quoted(part)})`;
      const relative = relativeEntries || (found.ok && found.relative);
      const allowed =
        scope.length === 0
          ? '(empty: no path or URL is allowed)'
          : `(${scope.join(', ')}${relative ? `; relative paths resolve against ${directory}` : ''})`;
      if (!found.ok)
        return {
          index,
          value,
          message: `command[${index}] ${quoted(value)}${named}: ${found.why}; the step's scope is ${allowed}`,
        };
      if (entries.some((entry) => entryHolds(entry, found.target))) continue;
      return {
        index,
        value,
        message: `command[${index}] ${quoted(value)}${named} names ${found.shown}, which is outside the step's scope ${allowed}`,
      };
    }
  }
  return null;
}
