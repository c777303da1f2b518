/** "Did you mean" hints and lists of valid names, for messages about names a plan or request got wrong. */

/** Levenshtein distance, for "did you mean" hints on misspelt ids. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** ` (did you mean "x"?)` for the nearest known name when it is near enough, else an empty string. */
export function suggest(name: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, name.length / 3) ? ` (did you mean "${best}"?)` : '';
}

/** The names a message offers instead, the first 12 of a long list. */
export function knownList(known: readonly string[]): string {
  return known.length === 0 ? 'none' : known.length > 12 ? `${known.slice(0, 12).join(', ')}, …` : known.join(', ');
}
