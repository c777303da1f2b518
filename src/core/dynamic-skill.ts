import { ExpressionError, type ExpressionContext } from './expressions.js';
import { numberInputs } from './inputs.js';
import { planSchemas, type Step } from './plan/schema.js';
import { planStepOf, stepOf, type InstanceState, type RunState } from './state.js';
import { compileTemplates, renderTemplates } from './templates.js';

/**
 * Dynamic skills: a `for_each` step whose `skill` is a template (`{{ item.skill }}`) is routed
 * per item, at dispatch, once its item is known. The template is rendered in the scope of the
 * step's input (`item`, `index`, `inputs`, `steps`), and what it gives must be a skill name, as
 * a written one; the router then weighs the registry for it as for any step.
 */

/** Whether a step's skill is a template, chosen per item at dispatch. */
export function isDynamicSkill(skill: string | undefined): skill is string {
  return skill !== undefined && skill.includes('{{');
}

/**
 * The skill a template gives in `context`. Throws ExpressionError when the template cannot be
 * evaluated or does not give a skill name (the conductor treats it as any unclear expression).
 * @example
 * renderSkill('{{ item.skill }}', { item: { skill: 'translate' }, index: 0, inputs: {} }) // 'translate'
 */
export function renderSkill(template: string, context: ExpressionContext): string {
  const value = renderTemplates(template, 'forEachInstance', context);
  const parsed = planSchemas().SkillName.safeParse(value);
  if (!parsed.success)
    throw new ExpressionError(
      `gives ${JSON.stringify(value)}, which is not a skill name (${parsed.error.issues[0]?.message ?? 'letters, digits, _, ., : and -'})`,
      template,
    );
  return parsed.data;
}

/**
 * The skill one item of a dynamic step asks for, from the run's state: its item and index, the
 * run's inputs and the outputs of the steps the template reads. Throws as `renderSkill`.
 */
export function instanceSkill(state: RunState, instance: InstanceState): string {
  const template = planStepOf(state, instance.step).skill as string;
  const steps: NonNullable<ExpressionContext['steps']> = {};
  for (const ref of new Set(
    compileTemplates(template, 'forEachInstance').flatMap((expression) => expression.stepRefs),
  )) {
    const step = stepOf(state, ref);
    steps[ref] = { status: step.status, output: step.output };
  }
  return renderSkill(template, {
    inputs: state.inputs,
    doubleInputs: numberInputs(state.plan.inputs),
    item: instance.item,
    index: instance.index ?? 0,
    steps,
  });
}

/** The step as the router sees it for one item: with the skill that item asks for. */
export function withSkill(step: Step, skill: string): Step {
  return { ...step, skill };
}
