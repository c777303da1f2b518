/**
 * How deeply a value may nest. Every value Baton is given (a plan, inputs, a request body, a
 * signal's data, a tool's arguments) is hashed, validated and copied by code that recurses, and
 * so is the YAML parser. A value nested thousands deep overflows the call stack there, and V8
 * can even abort the process when the stack runs out inside its regular-expression compiler.
 * So nesting is bounded at the door, by a walk that does not recurse. No plan needs 64 levels.
 */
export const MAX_NESTING = 64;

/**
 * A value met on a walk, linked to the one it sits in. The walks below visit every value of a
 * plan and need a path only for what they report, so each value links to its parent rather
 * than carrying a copy of its path: copying a path per value was most of their cost on a
 * 10,000-step plan.
 */
export interface WalkedValue {
  value: unknown;
  depth: number;
  key: string | number;
  parent: WalkedValue | undefined;
}

/**
 * The keys from the walk's root down to `walked`.
 * @example
 * const root = { value: {}, depth: 0, key: '', parent: undefined };
 * pathOf({ value: 1, depth: 1, key: 'a', parent: root }) // ['a']
 */
export function pathOf(walked: WalkedValue): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: WalkedValue | undefined = walked; at?.parent !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * The path to the first value nested more than `limit` levels deep (an object or a list is one
 * level), or undefined. Iterative, so it is safe on any value JSON.parse can return.
 * @example tooDeep({ a: { b: 1 } }, 1) // ['a']
 */
export function tooDeep(value: unknown, limit = MAX_NESTING): (string | number)[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // Only objects and lists are pushed: a walked value per string or number was half of the walk's cost.
  const stack: WalkedValue[] = [{ value, depth: 0, key: '', parent: undefined }];
  while (stack.length > 0) {
    const walked = stack.pop() as WalkedValue;
    const next = walked.value as object;
    if (walked.depth >= limit) return pathOf(walked);
    const depth = walked.depth + 1;
    if (Array.isArray(next)) {
      // forEach's order, holes left out as it leaves them (a hole is no object anyway).
      for (let key = 0; key < next.length; key += 1) {
        const item: unknown = next[key];
        if (item !== null && typeof item === 'object') stack.push({ value: item, depth, key, parent: walked });
      }
    } else
      for (const key of Object.keys(next)) {
        const item = (next as Record<string, unknown>)[key];
        if (item !== null && typeof item === 'object') stack.push({ value: item, depth, key, parent: walked });
      }
  }
  return undefined;
}

/** What `tooDeep` found, said for a person. */
export function tooDeepMessage(limit = MAX_NESTING): string {
  return `nested more than ${limit} levels deep (objects and lists inside each other); Baton accepts at most ${limit}`;
}

/**
 * Where YAML or JSON text nests more than `limit` levels, or undefined: checked on the text,
 * before a parser that recurses sees it. It over-counts rather than under-counts (brackets in
 * quoted strings count too; `- - x` counts each dash), since its only job is to stop text
 * that would overflow the parser, at a depth far beyond any plan's.
 * @example textTooDeep('a: [[[1]]]', 2) // { line: 1, column: 6 }
 */
export function textTooDeep(text: string, limit = MAX_NESTING): { line: number; column: number } | undefined {
  let flow = 0;
  const indents: number[] = [];
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber += 1;
    const body = line.trimStart();
    if (body !== '' && !body.startsWith('#')) {
      // Block nesting: one level per indentation deeper than the line it sits under, plus
      // one per compact sequence dash (`- - - x`).
      const indent = line.length - body.length;
      while (indents.length > 0 && (indents.at(-1) as number) >= indent) indents.pop();
      indents.push(indent);
      const dashes = /^(?:-\s+)*/.exec(body)?.[0].replace(/\s+/g, '').length ?? 0;
      if (indents.length + dashes > limit) return { line: lineNumber, column: indent + 1 };
    }
    for (let i = 0; i < line.length; i++) {
      const char = line[i];
      if (char === '[' || char === '{') {
        flow += 1;
        if (indents.length + flow > limit) return { line: lineNumber, column: i + 1 };
      } else if ((char === ']' || char === '}') && flow > 0) flow -= 1;
    }
  }
  return undefined;
}
