import { entryHolds, parseScopeEntry, urlTarget } from './scope-entry.js';

/**
 * Why `url` is outside `scope`, or null when an entry holds it: the rule a command's URL
 * arguments get (`argumentOutsideScope`), for a URL a capability requests itself. An http(s)
 * URL entry holds its origin and what is under its path, a host entry every URL on that host
 * (and port, if given); path entries hold no URL, and an entry that does not parse holds nothing.
 * `%2F` in the path counts as a separator, as many servers read it.
 * @example urlOutsideScope(new URL('https://evil.example.com/x'), ['api.example.com']) // 'https://evil.example.com/x is outside ...'
 */
export function urlOutsideScope(url: URL, scope: readonly string[]): string | null {
  const target = urlTarget(url);
  const held = scope.some((text) => {
    const parsed = parseScopeEntry(text);
    return parsed.ok && entryHolds(parsed.entry, target);
  });
  if (held) return null;
  const read = `/${target.segments.join('/')}`;
  const decoded = url.pathname.replace(/\/$/, '') === read.replace(/\/$/, '') ? '' : ` (read as ${url.origin}${read})`;
  const allowed = scope.length === 0 ? '(empty: no URL is allowed)' : `(${scope.join(', ')})`;
  return `the URL ${url.origin}${url.pathname}${decoded} is outside the step's scope ${allowed}`;
}
