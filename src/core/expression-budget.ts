/**
 * What one evaluation of an expression may cost. Parse limits bound an expression's size, but
 * not its work: `l.map(x, l.map(y, l.map(z, 1)))` over a 1,000-element list is a billion
 * steps in 60 characters, and `["a"].map(t, t+t+t+t).map(t, t+t+t+t)...` doubles a string
 * until memory runs out. So every evaluation is metered.
 *
 * Measured (Node 20, one core): 25 to 30 million steps a second, so the step budget stops a
 * runaway expression in about 0.2 s, while `map` and `filter` over a 100,000-element list
 * (about 1.1 million steps) still fit; ordinary conditions take tens of steps.
 */
export const EVALUATION_BUDGET = {
  /** Nodes evaluated, each comprehension iteration included. */
  maxSteps: 5_000_000,
  /**
   * Sum of the sizes of the values operators and functions build (string length, list
   * length, map entries). Reading a large step output costs nothing; copying it does.
   * Measured: at 32 Mi, growing a list by `l + l + l + l` to the limit took 2.2 s and
   * hundreds of MB; at 8 Mi it stays near half a second.
   */
  maxBuiltSize: 8 * 1024 * 1024,
} as const;

/** Operators that only read or pick a value that already exists: they build nothing. */
const READS = new Set(['value', 'id', '.', '.?', '[]', '[?]', '?:', '&&', '||', 'accuValue']);

type Node = { op: string; args: unknown; evaluate(ev: Evaluator, node: Node, ctx: unknown): unknown };
type Evaluator = { run(node: Node, ctx: unknown): unknown; debugTypeDeep?(value: unknown): unknown };

function sizeOf(value: unknown): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  if (value !== null && typeof value === 'object') return Object.keys(value).length;
  return 0;
}

/**
 * Wraps the library's evaluator so every node it runs is counted. Each evaluation gets its own
 * meter. Hazard: this relies on cel-js evaluating children through `ev.run` (true in 8.x);
 * the tests in test/fuzz/expressions.test.ts fail if that ever stops counting.
 */
function meter(ev: Evaluator, onExceeded: (what: string) => never): Evaluator {
  let steps = 0;
  let built = 0;
  const metered = Object.create(ev) as Evaluator;
  // Evaluator#debugTypeDeep reads a private field, which exists only on the real evaluator.
  if (typeof ev.debugTypeDeep === 'function') metered.debugTypeDeep = ev.debugTypeDeep.bind(ev);
  const builtTooMuch = () =>
    onExceeded(`builds more than ${EVALUATION_BUDGET.maxBuiltSize} characters, list elements or map entries`);
  metered.run = (node, ctx) => {
    if (++steps > EVALUATION_BUDGET.maxSteps) onExceeded(`more than ${EVALUATION_BUDGET.maxSteps} evaluation steps`);
    // CEL's `||` and `&&` absorb an error on one side; an overrun they absorbed still stops every step after it.
    if (built > EVALUATION_BUDGET.maxBuiltSize) builtTooMuch();
    const value = node.evaluate(metered, node, ctx);
    if (!READS.has(node.op)) {
      // A macro appends to its result list in place and returns the whole list each time:
      // charging its length would make `map` over n items cost n²/2 instead of n.
      built += node.op === 'accuPush' ? 1 : sizeOf(value);
      if (built > EVALUATION_BUDGET.maxBuiltSize) builtTooMuch();
    }
    return value;
  };
  return metered;
}

/**
 * Makes every evaluation of a parsed program metered. The library calls the root node's
 * `evaluate` with its own evaluator; the root resolves its implementation lazily by assigning
 * to `evaluate`, so an accessor keeps that assignment while routing each call through a fresh
 * meter.
 * @example meterProgram(program.ast, (what) => { throw new ExpressionError(what, source); })
 */
export function meterProgram(root: unknown, onExceeded: (what: string) => never): void {
  const node = root as Node;
  let resolved = node.evaluate;
  const meters = new WeakSet<Evaluator>();
  function metered(this: Node, ev: Evaluator, self: Node, ctx: unknown): unknown {
    if (meters.has(ev)) return resolved.call(this, ev, self, ctx);
    const counting = meter(ev, onExceeded);
    meters.add(counting);
    return counting.run(self, ctx);
  }
  Object.defineProperty(node, 'evaluate', {
    configurable: true,
    get: () => metered,
    set: (fn: Node['evaluate']) => {
      resolved = fn;
    },
  });
}
