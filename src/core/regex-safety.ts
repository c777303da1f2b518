/**
 * CEL's `matches` is specified over RE2 (linear time); cel-js runs it with JavaScript's
 * backtracking RegExp, where `"aaaa…!".matches("^(a+)+$")` takes exponential time: 12.7 s for
 * 28 characters, measured. A single call cannot be interrupted, so the pattern is checked when
 * the expression is compiled: it must be a literal, and the shapes that backtrack
 * exponentially are refused. Hazard: polynomial backtracking (`a*a*a*b` over a long string)
 * is not detected.
 */

/**
 * Why a `matches` pattern is refused, or undefined when it is accepted.
 * @example unsafePattern('^(a+)+$') // 'a repeated group that itself holds a quantifier or `|` can take exponential time'
 */
export function unsafePattern(pattern: string): string | undefined {
  // One frame per open group: does it contain a quantifier or an alternation?
  const groups: boolean[] = [false];
  let closedGroupRepeats = false; // the atom just before this position was a group holding a quantifier or `|`
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'a backreference can take exponential time';
      i++;
      closedGroupRepeats = false;
    } else if (char === '[') {
      // A character class is one atom; skip to its unescaped end.
      i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      closedGroupRepeats = false;
    } else if (char === '(') {
      groups.push(false);
      closedGroupRepeats = false;
    } else if (char === ')') {
      const inner = groups.pop() ?? false;
      if (groups.length === 0) return undefined; // unbalanced: RegExp itself refuses it at run time
      groups[groups.length - 1] ||= inner;
      closedGroupRepeats = inner;
    } else if (char === '|') {
      groups[groups.length - 1] = true;
      closedGroupRepeats = false;
    } else if (
      char === '*' ||
      char === '+' ||
      char === '?' ||
      (char === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)))
    ) {
      if (closedGroupRepeats && char !== '?')
        return 'a repeated group that itself holds a quantifier or `|` can take exponential time';
      groups[groups.length - 1] = true;
      if (char === '{') i = pattern.indexOf('}', i);
      if (pattern[i + 1] === '?') i++; // lazy modifier
      closedGroupRepeats = false;
    } else {
      closedGroupRepeats = false;
    }
  }
  return undefined;
}

type AstNode = { op: string; args: unknown };

function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

/**
 * The first problem with a `matches` call in a parsed expression, or undefined.
 * @example unsafeMatchesCall(env.parse('s.matches(inputs.re)').ast) // 'the pattern of matches() must be a string literal, ...'
 */
export function unsafeMatchesCall(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const problem = unsafeMatchesCall(child);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isAstNode(node)) return undefined;
  if ((node.op === 'rcall' || node.op === 'call') && Array.isArray(node.args) && node.args[0] === 'matches') {
    // rcall: [name, receiver, [pattern]]; call: [name, [text, pattern]]
    const pattern: unknown =
      node.op === 'rcall' ? (node.args[2] as unknown[] | undefined)?.[0] : (node.args[1] as unknown[] | undefined)?.[1];
    if (!isAstNode(pattern) || pattern.op !== 'value' || typeof pattern.args !== 'string')
      return 'the pattern of matches() must be a string literal, so it can be checked';
    const problem = unsafePattern(pattern.args);
    if (problem) return `matches() pattern "${pattern.args}": ${problem}`;
  }
  return unsafeMatchesCall(node.args);
}
