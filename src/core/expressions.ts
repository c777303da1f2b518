import type { Environment } from '@marcbachmann/cel-js';
import { celPackage } from './deferred-packages.js';
import { meterProgram } from './expression-budget.js';
import { setOwn, type Json } from './json.js';
import { unsafeMatchesCall } from './regex-safety.js';

/**
 * Expressions are CEL (https://cel.dev) through @marcbachmann/cel-js: no `eval`, no host
 * access, bounded parse size, metered evaluation (expression-budget.ts), and only `matches`
 * patterns that cannot backtrack exponentially (regex-safety.ts). CEL distinguishes int and
 * double; JSON does not. Integral JSON numbers enter CEL as int (so `inputs.n + 1` works) and
 * ints leave CEL as JS numbers.
 */

/** Which variables an expression may read; checked when the plan is validated. */
export const ExpressionScope = {
  /** `when`, `for_each`, a plain step's `input`: inputs, steps and the workspace `context` snapshot. */
  step: 'step',
  /** `input` of a `for_each` step: also `item` and `index`. */
  forEachInstance: 'forEachInstance',
  /** `repeat.until` and `input` of a `repeat` step: also `iteration`. */
  repeatIteration: 'repeatIteration',
  /** The argv of a `command` capability: the step's resolved `input` and the run's `inputs`. */
  command: 'command',
  /** A phase gate's `policy`: inputs, steps, `budget` ({limit, spent, reserved}) and `phases` (id -> readiness). */
  policy: 'policy',
  /** A `consensus.compare` expression: two outputs, `a` and `b`. */
  compare: 'compare',
} as const;
export type ExpressionScope = (typeof ExpressionScope)[keyof typeof ExpressionScope];

/** Structural limits keep a hostile expression's parse and evaluation cost bounded. */
const LIMITS = { maxAstNodes: 2_000, maxDepth: 64, maxListElements: 1_000, maxMapEntries: 1_000, maxCallArguments: 16 };

function makeEnvironment(variables: Record<string, string>): Environment {
  const { Environment } = celPackage();
  let env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false, limits: LIMITS });
  for (const [name, type] of Object.entries(variables)) env = env.registerVariable(name, type);
  return env;
}

/** The variables each scope's expressions may read, with their CEL types. */
const SCOPE_TYPES: Record<ExpressionScope, Record<string, string>> = {
  step: { inputs: 'map', steps: 'map', context: 'map' },
  forEachInstance: { inputs: 'map', steps: 'map', context: 'map', item: 'dyn', index: 'int' },
  repeatIteration: { inputs: 'map', steps: 'map', context: 'map', iteration: 'int' },
  command: { inputs: 'map', input: 'dyn' },
  policy: { inputs: 'map', steps: 'map', context: 'map', budget: 'map', phases: 'map' },
  compare: { a: 'dyn', b: 'dyn' },
};

/** Each scope's environment, made at its first expression (the CEL package loads then too). */
const environments = new Map<ExpressionScope, Environment>();

function environmentFor(scope: ExpressionScope): Environment {
  let env = environments.get(scope);
  if (!env) {
    env = makeEnvironment(SCOPE_TYPES[scope]);
    environments.set(scope, env);
  }
  return env;
}

/** The variables each scope's expressions may read, in the order they are declared. */
export const SCOPE_VARIABLES = {} as Record<ExpressionScope, readonly string[]>;
for (const scope of Object.values(ExpressionScope)) SCOPE_VARIABLES[scope] = Object.keys(SCOPE_TYPES[scope]);

/** An expression that did not compile or could not be evaluated. Data, not a crash. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
  }
}

/** What an expression sees when it is evaluated; step entries are only those it reads. */
export interface ExpressionContext {
  inputs?: Record<string, Json>;
  /** Inputs declared `type: number`: they enter CEL as double even when whole (`2` is `2.0`). */
  doubleInputs?: ReadonlySet<string>;
  steps?: Record<string, { status: string; output: Json }>;
  /** The workspace context the run was created with (context-snapshot.ts); empty lists when it recorded none. */
  context?: Json;
  item?: Json;
  index?: number;
  iteration?: number;
  input?: Json;
  budget?: Json;
  phases?: Json;
  a?: Json;
  b?: Json;
}

export interface CompiledExpression {
  readonly source: string;
  /** Step ids the expression reads as `steps.<id>` or `steps["<id>"]`. */
  readonly stepRefs: readonly string[];
  /** Input names the expression reads as `inputs.<name>` or `inputs["<name>"]`. */
  readonly inputRefs: readonly string[];
  /** Whether the expression reads the `context` variable: a run of a plan that does, snapshots the workspace context. */
  readonly readsContext: boolean;
  /** The CEL type the checker infers, e.g. `bool`, `list<int>`, or `dyn` when it depends on data. */
  readonly type: string;
  evaluate(context: ExpressionContext): Json;
}

type AstNode = { op: string; args: unknown };

function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

/** Collects `steps.<id>` references; a bare `steps` would hide what is read, so it is refused. */
function collectStepRefs(node: unknown, refs: Set<string>, source: string): void {
  if (Array.isArray(node)) {
    for (const child of node) collectStepRefs(child, refs, source);
    return;
  }
  if (!isAstNode(node)) return;
  if ((node.op === '.' || node.op === '[]') && Array.isArray(node.args)) {
    const [target, key] = node.args as [unknown, unknown];
    if (isAstNode(target) && target.op === 'id' && target.args === 'steps') {
      const id =
        typeof key === 'string'
          ? key
          : isAstNode(key) && key.op === 'value' && typeof key.args === 'string'
            ? key.args
            : undefined;
      if (id === undefined)
        throw new ExpressionError('read a step as steps.<id>; a computed step id cannot be checked', source);
      refs.add(id);
      return;
    }
  }
  if (node.op === 'id' && node.args === 'steps') {
    throw new ExpressionError(
      'read a step as steps.<id>.output or steps.<id>.status, not the whole `steps` map',
      source,
    );
  }
  collectStepRefs(node.args, refs, source);
}

/** Collects `inputs.<name>` references, so that validation can refuse names the plan does not declare. */
function collectInputRefs(node: unknown, refs: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectInputRefs(child, refs);
    return;
  }
  if (!isAstNode(node)) return;
  if ((node.op === '.' || node.op === '[]') && Array.isArray(node.args)) {
    const [target, key] = node.args as [unknown, unknown];
    if (isAstNode(target) && target.op === 'id' && target.args === 'inputs') {
      const name =
        typeof key === 'string'
          ? key
          : isAstNode(key) && key.op === 'value' && typeof key.args === 'string'
            ? key.args
            : undefined;
      if (name !== undefined) refs.add(name);
    }
  }
  collectInputRefs(node.args, refs);
}

/** Whether the AST names the variable `name` anywhere (the checker has already refused it where it is not in scope). */
function readsVariable(node: unknown, name: string): boolean {
  if (Array.isArray(node)) return node.some((child) => readsVariable(child, name));
  if (!isAstNode(node)) return false;
  if (node.op === 'id') return node.args === name;
  return readsVariable(node.args, name);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

const cache = new Map<string, CompiledExpression>();

/**
 * Parses and type-checks a CEL expression for a scope. Compiled expressions are cached by
 * scope and source, so evaluating the same plan again costs no parsing.
 * @example compileExpression('inputs.n > 2', 'step').evaluate({ inputs: { n: 3 } }) // true
 */
export function compileExpression(source: string, scope: ExpressionScope): CompiledExpression {
  const key = `${scope}\u0000${source}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const env = environmentFor(scope);
  let program: ReturnType<Environment['parse']>;
  try {
    program = env.parse(source);
  } catch (error) {
    throw new ExpressionError(`does not compile: ${firstLine((error as Error).message)}`, source);
  }
  const check = program.check();
  if (!check.valid) {
    const message = firstLine(check.error?.message ?? 'invalid');
    const hint = /Unknown variable/.test(message) ? ` (in scope here: ${SCOPE_VARIABLES[scope].join(', ')})` : '';
    throw new ExpressionError(`does not type-check: ${message}${hint}`, source);
  }
  const refs = new Set<string>();
  collectStepRefs(program.ast, refs, source);
  const inputRefs = new Set<string>();
  collectInputRefs(program.ast, inputRefs);
  const unsafe = unsafeMatchesCall(program.ast);
  if (unsafe) throw new ExpressionError(`is refused: ${unsafe}`, source);
  meterProgram(program.ast, (what) => {
    throw new ExpressionError(`exceeds the evaluation budget: ${what}`, source);
  });
  const compiled: CompiledExpression = {
    source,
    stepRefs: [...refs],
    inputRefs: [...inputRefs],
    readsContext: readsVariable(program.ast, 'context'),
    type: String(check.type ?? 'dyn'),
    evaluate(context) {
      const celContext: Record<string, unknown> = {};
      for (const name of SCOPE_VARIABLES[scope])
        celContext[name] = toCel((context as Record<string, unknown>)[name] ?? null);
      if (context.doubleInputs && context.inputs) {
        const inputs = celContext.inputs as Record<string, unknown>;
        for (const name of context.doubleInputs)
          if (typeof context.inputs[name] === 'number') inputs[name] = context.inputs[name];
      }
      try {
        return fromCel(program(celContext));
      } catch (error) {
        throw new ExpressionError(firstLine((error as Error).message), source);
      }
    },
  };
  cache.set(key, compiled);
  return compiled;
}

/**
 * JSON -> CEL: integral numbers become int (bigint), so arithmetic with literals works. An
 * integral number beyond the safe range (1e21) is already inexact, so it stays a double:
 * as an int it could not come back out (fromCel refuses unsafe ints).
 */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, toCel(v));
    return out;
  }
  return value;
}

/**
 * CEL -> JSON. An int outside the JS safe range is an error rather than a silent rounding, and
 * so is a double JSON cannot hold (`1.0 / 0.0`): the ledger's canonical JSON refuses Infinity
 * and NaN, so letting one through would fail the append of the event that carries it.
 */
export function fromCel(value: unknown): Json {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError(`integer ${value} is outside the range JSON numbers can hold exactly`);
    }
    return Number(value);
  }
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${value} is not a number JSON can hold`);
    return value === 0 ? 0 : value; // JSON has no -0
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) {
    const out: Record<string, Json> = {};
    for (const [k, v] of value) setOwn(out, String(k), fromCel(v));
    return out;
  }
  if (typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, fromCel(v));
    return out;
  }
  return String(value);
}
