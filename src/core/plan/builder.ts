import type { InputDeclaration, Plan, PlanCapability, Step } from './schema.js';

type StepSpec<Known extends string> = Omit<Step, 'after'> & {
  after?: Known[] | { any: Known[] } | { count: number; of: Known[] };
};

/**
 * Builds a plan in TypeScript. It produces the same data a YAML plan parses to, and `after`
 * only accepts ids of steps added before, so a typo is a compile error.
 * @example
 * const quick = plan('hello')
 *   .capability('echo', { kind: 'command', command: ['echo', '{{ input }}'], skills: { say: 1 } })
 *   .step('greet', { skill: 'say', input: 'hello' })
 *   .step('bye', { skill: 'say', input: 'bye', after: ['greet'] })
 *   .build();
 */
export class PlanBuilder<Known extends string = never> {
  private constructor(private readonly data: Plan) {}

  static create(name: string, options: { objective?: string } = {}): PlanBuilder {
    return new PlanBuilder({
      baton: 1,
      name,
      ...(options.objective !== undefined && { objective: options.objective }),
      steps: {},
    });
  }

  input(name: string, declaration: InputDeclaration): PlanBuilder<Known> {
    return new PlanBuilder({ ...this.data, inputs: { ...this.data.inputs, [name]: declaration } });
  }

  capability(id: string, capability: PlanCapability): PlanBuilder<Known> {
    return new PlanBuilder({ ...this.data, capabilities: { ...this.data.capabilities, [id]: capability } });
  }

  step<Id extends string>(id: Id, step: StepSpec<Known>): PlanBuilder<Known | Id> {
    return new PlanBuilder<Known | Id>({ ...this.data, steps: { ...this.data.steps, [id]: step as Step } });
  }

  /** The plan as data; `baton.validate(plan)` or `submit` checks it like a file. */
  build(): Plan {
    return structuredClone(this.data);
  }
}

export function plan(name: string, options: { objective?: string } = {}): PlanBuilder {
  return PlanBuilder.create(name, options);
}
