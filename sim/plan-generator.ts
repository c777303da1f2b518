import { buildRegistry, checkPlan, type Plan } from '../src/core/index.js';
import type { Prng } from './prng.js';

/**
 * Random plans over the plan language, each one checked by the real validator before it is
 * run (a plan it refuses is a bug of this generator, reported as such). What it covers is
 * listed in docs/reliability.md; `FEATURES` names what a plan used, for the summary.
 */
export interface GeneratedPlan {
  plan: Plan;
  inputs: Record<string, boolean>;
  /** Plan-language features this plan uses (`for_each`, `gate:approval`, ...). */
  features: string[];
  /** Signal names steps wait for. */
  signals: string[];
}

type Json = Record<string, unknown>;

/** Capabilities: three that offer `work` (so consensus has voters), one for checks and compensations, one person. */
function capabilities(random: Prng, features: Set<string>): Json {
  const priced = random.chance(0.35);
  if (priced) features.add('cost_usd');
  const timed = random.chance(0.3);
  const cap = (strength: number): Json => ({
    kind: 'command',
    command: ['simulated'],
    skills: { work: strength },
    ...(priced && { cost_usd: random.pick([0.25, 0.5, 1]) }),
    ...(timed && { timeout: random.pick(['2s', '5s', '30s']) }),
  });
  return {
    alpha: cap(0.9),
    beta: cap(0.6),
    gamma: cap(0.3),
    verifier: { kind: 'command', command: ['simulated'], skills: { verify: 1 } },
    person: { kind: 'human', skills: { decide: 1 } },
  };
}

function after(random: Prng, earlier: string[], features: Set<string>): unknown {
  if (earlier.length === 0 || random.chance(0.3)) return undefined;
  const deps = random.subset(earlier, random.int(1, Math.min(3, earlier.length)));
  const form = random.int(0, 5);
  if (form === 0 && deps.length > 0) {
    features.add('after:any');
    return { any: deps };
  }
  if (form === 1 && deps.length > 1) {
    features.add('after:count');
    return { count: random.int(1, deps.length), of: deps };
  }
  features.add(deps.length > 1 ? 'after:all(join)' : 'after:sequence');
  return deps;
}

function step(
  random: Prng,
  id: string,
  earlier: string[],
  phases: string[] | null,
  features: Set<string>,
  signals: Set<string>,
): Json {
  const spec: Json = {};
  const deps = after(random, earlier, features);
  if (deps !== undefined) spec.after = deps;
  if (phases) spec.phase = random.pick(phases);
  const shape = random.int(0, 19);
  if (shape === 0) {
    // A pure wait: it succeeds with the signal's data.
    const name = random.pick(['go', 'release']);
    signals.add(name);
    features.add('await(pure)');
    return { ...spec, await: { signal: name } };
  }
  if (shape === 1) {
    features.add('human');
    spec.capability = 'person';
  } else if (random.chance(0.15)) {
    features.add('capability(pinned)');
    spec.capability = random.pick(['alpha', 'beta', 'gamma']);
  } else spec.skill = 'work';
  spec.input = { step: id };
  const plain = spec.skill !== undefined || spec.capability !== 'person';
  if (random.chance(0.2)) {
    features.add('when');
    spec.when = random.pick(['inputs.flag', '!inputs.flag', 'true', 'inputs.flag || true']);
  }
  if (plain && shape >= 2 && shape <= 4) {
    features.add('for_each');
    spec.for_each = random.pick(['[]', '[1]', '[1, 2]', '[1, 2, 3]', '[1, 2, 3, 4]']);
    spec.input = { step: id, item: '{{ item }}', index: '{{ index }}' };
    if (random.chance(0.5)) {
      features.add('concurrency');
      spec.concurrency = random.int(1, 2);
    }
  } else if (plain && shape === 5) {
    features.add('repeat');
    spec.repeat = { until: `iteration >= ${random.int(1, 3)}`, max: random.int(1, 3) };
    spec.input = { step: id, iteration: '{{ iteration }}' };
  } else if (spec.skill === 'work' && shape === 6) {
    features.add('consensus');
    spec.consensus = { n: random.int(2, 3), agree: random.pick(['all', 'majority']) };
  } else if (plain && shape === 7) {
    features.add('check');
    spec.check = { capability: 'verifier' };
  }
  if (random.chance(0.35)) {
    features.add('retry');
    spec.retry = { max: random.int(0, 3), ...(random.chance(0.7) && { backoff: random.pick(['100ms', '1s', '5s']) }) };
  }
  if (random.chance(0.25)) {
    features.add('timeout');
    spec.timeout = random.pick(['1s', '3s', '20s']);
  }
  if (random.chance(0.3)) {
    const mode = random.pick(['continue', 'escalate'] as const);
    features.add(`on_failure:${mode}`);
    spec.on_failure = mode;
  }
  if (random.chance(0.1)) {
    features.add('confirm');
    spec.confirm = true;
  }
  if (random.chance(0.08) && spec.consensus === undefined) {
    const name = random.pick(['go', 'release']);
    signals.add(name);
    features.add('await(then run)');
    spec.await = { signal: name };
  }
  if (random.chance(0.1)) {
    features.add('step budget_usd');
    spec.constraints = { budget_usd: random.pick([0.25, 0.5, 1, 2]) };
  }
  if (random.chance(0.15)) {
    features.add('compensate');
    spec.compensate = 'verifier';
  }
  return spec;
}

/** A random valid plan; throws if the validator refuses it (a generator bug). */
export function generatePlan(random: Prng): GeneratedPlan {
  const features = new Set<string>();
  const signals = new Set<string>();
  const plan: Json = { baton: 1, name: 'simulated', capabilities: capabilities(random, features) };
  const flag = random.chance(0.5);
  plan.inputs = { flag: { type: 'boolean', default: flag } };
  let phases: string[] | null = null;
  if (random.chance(0.25)) {
    phases = ['prepare', 'ship'];
    const gate = random.chance(0.6);
    features.add(gate ? 'phases+gate:approval' : 'phases');
    plan.phases = ['prepare', gate ? { id: 'ship', gate: { approval: true } } : 'ship'];
  }
  const constraints: Json = {};
  if (random.chance(0.3)) {
    features.add('deadline');
    constraints.deadline = random.pick(['5s', '30s', '2m']);
  }
  if (random.chance(0.35)) {
    features.add('budget_usd');
    constraints.budget_usd = random.pick([0.5, 1, 2, 3, 5]);
  }
  if (random.chance(0.25)) {
    features.add('max_parallel');
    constraints.max_parallel = random.int(1, 3);
  }
  if (Object.keys(constraints).length > 0) plan.constraints = constraints;
  const count = random.int(1, 8);
  const steps: Json = {};
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `s${i}`;
    // A step in a later phase may not be a dependency of an earlier one: order steps by phase.
    steps[id] = step(random, id, ids, phases, features, signals);
    ids.push(id);
  }
  if (phases) {
    // Steps run after steps of their own or earlier phases only.
    for (const id of ids) {
      const spec = steps[id] as Json;
      if (spec.after === undefined) continue;
      const phaseOf = (other: string): number => (phases as string[]).indexOf((steps[other] as Json).phase as string);
      const mine = phaseOf(id);
      const deps = Array.isArray(spec.after)
        ? (spec.after as string[])
        : (((spec.after as Json).any ?? (spec.after as Json).of) as string[]);
      if (deps.some((dep) => phaseOf(dep) > mine)) delete spec.after;
    }
  }
  plan.steps = steps;
  const checked = checkPlan(plan, (p) => buildRegistry(p));
  return { plan: checked, inputs: { flag }, features: [...features].sort(), signals: [...signals].sort() };
}
