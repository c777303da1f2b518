import { describePath, entryHolds, isHttpUrlLike, isPathLike, normalizePath, parseScopeEntry, resolveEntry, resolvePath, urlTarget, type ScopeEntry } from './scope-entry.js';

/**
 * The check a command's arguments get before it is spawned: an argument that names a path
 * or an http(s) URL must be within the step's scope. It is a check of declared intent, not a
 * sandbox: a command can still touch what it computes or reads from elsewhere (its stdin, a
 * bare relative name such as `out/x`, which cannot be told from text).
 */

/** An argument outside the scope: where it is in argv, what it is, and why it is refused. */
export interface ScopeViolation {
  /** Position in argv, as in the capability's `command` list (0 is the program, never checked). */
  index: number;
  value: string;
  message: string;
}

type Target = { ok: true; target: ScopeEntry; shown: string } | { ok: false; why: string } | null;

/** What an argument (or the value of `--name=value`) names, resolved against `directory`; null when it names no path or URL. */
function targetOf(text: string, directory: string): Target {
  if (isPathLike(text)) {
    // Absolute once resolved, whatever it was: shown as the path the command would open.
    const target = resolvePath(normalizePath(text), directory);
    return { ok: true, target, shown: `the path ${describePath(target)}` };
  }
  if (!isHttpUrlLike(text)) return null;
  try {
    const url = new URL(text);
    return { ok: true, target: urlTarget(url), shown: `the URL ${url.origin}${url.pathname}` };
  } catch {
    return { ok: false, why: 'it is not a valid URL, so it cannot be checked against the scope' };
  }
}

/** The parts of one argument that are checked: itself, and for `-x=VALUE` or `--name=VALUE` also VALUE. */
function checkedParts(argument: string): string[] {
  const equals = argument.indexOf('=');
  return argument.startsWith('-') && equals > 0 ? [argument, argument.slice(equals + 1)] : [argument];
}

/**
 * The first argument of `argv` (after the program) that names a path or an http(s) URL
 * outside `scope`, or null when every one is within it. Relative paths, in arguments and in
 * the scope, are resolved against `directory` (absolute: where the command runs); an entry
 * that does not parse holds nothing.
 * @example argumentOutsideScope(['cp', 'a', '/etc/passwd'], ['./out'], '/home/me/project') // { index: 2, ... }
 */
export function argumentOutsideScope(argv: readonly string[], scope: readonly string[], directory: string): ScopeViolation | null {
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
      const named = part === value ? '' : ` (its value "${part}")`;
      const relative = relativeEntries || (isPathLike(part) && !part.startsWith('/'));
      const allowed = scope.length === 0 ? '(empty: no path or URL is allowed)' : `(${scope.join(', ')}${relative ? `; relative paths resolve against ${directory}` : ''})`;
      if (!found.ok) return { index, value, message: `command[${index}] "${value}"${named}: ${found.why}; the step's scope is ${allowed}` };
      if (entries.some((entry) => entryHolds(entry, found.target))) continue;
      return { index, value, message: `command[${index}] "${value}"${named} names ${found.shown}, which is outside the step's scope ${allowed}` };
    }
  }
  return null;
}
