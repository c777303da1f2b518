import type { BatonEvent } from './events.js';
import { ExpressionError, type ExpressionContext } from './expressions.js';
import type { Json } from './json.js';
import { numberInputs } from './inputs.js';
import { planStepOf, stepOf, type RunState } from './state.js';
import { compileTemplates, renderTemplates } from './templates.js';

/** The longest insight or outcome kept, as for one recorded by hand (`baton context insight`). */
const MAX_RECORDED_TEXT = 10_000;

/**
 * The `context.recorded` decision for a step that just succeeded and declares `records`, or
 * null when it declares none. Its templates are rendered like the step's input (in the `step`
 * scope, with the step's own output readable as `steps.<id>.output`). A template that fails,
 * or renders empty or too long, is recorded as the event's `error` and nothing is written:
 * the step's success stands.
 * @example contextRecordOf(state, 'review') // { type: 'context.recorded', data: { step: 'review', insight: '...' } }
 */
export function contextRecordOf(state: RunState, stepId: string): BatonEvent | null {
  const records = planStepOf(state, stepId).records;
  if (records === undefined) return null;
  try {
    const context = expressionContext(state, [records.insight, records.outcome]);
    const insight = records.insight !== undefined ? renderText('insight', records.insight, context) : undefined;
    const completes =
      records.completes !== undefined
        ? {
            id: records.completes,
            outcome:
              records.outcome !== undefined
                ? renderText('outcome', records.outcome, context)
                : `completed by step "${stepId}" of run ${state.runId}`,
          }
        : undefined;
    return {
      type: 'context.recorded',
      data: { step: stepId, ...(insight !== undefined && { insight }), ...(completes && { completes }) },
    };
  } catch (error) {
    if (!(error instanceof ExpressionError) && !(error instanceof RangeError)) throw error;
    return { type: 'context.recorded', data: { step: stepId, error: `records: ${error.message}` } };
  }
}

/** What the templates see: the run's inputs and context, and the steps they read (the step itself among them). */
function expressionContext(state: RunState, templates: (string | undefined)[]): ExpressionContext {
  const steps: NonNullable<ExpressionContext['steps']> = {};
  for (const template of templates)
    for (const expression of compileTemplates(template, 'step'))
      for (const ref of expression.stepRefs) {
        const step = stepOf(state, ref);
        steps[ref] = { status: step.status, output: step.output };
      }
  return {
    inputs: state.inputs,
    doubleInputs: numberInputs(state.plan.inputs),
    context: state.context as unknown as Json,
    steps,
  };
}

function renderText(what: string, template: string, context: ExpressionContext): string {
  const value = renderTemplates(template, 'step', context);
  const text = (typeof value === 'string' ? value : JSON.stringify(value)).trim();
  if (text === '') throw new ExpressionError(`the ${what} rendered empty`, template);
  if (text.length > MAX_RECORDED_TEXT)
    throw new ExpressionError(
      `the ${what} rendered ${text.length.toLocaleString('en')} characters long; at most ${MAX_RECORDED_TEXT.toLocaleString('en')} are kept`,
      template,
    );
  return text;
}
