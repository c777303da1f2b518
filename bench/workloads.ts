/** The two shapes every engine runs, at the same size. */
export const Shape = {
  chain: 'chain',
  fanOut: 'fan-out',
} as const;
export type Shape = (typeof Shape)[keyof typeof Shape];

/**
 * Baton alone: the submit of a long plan (a chain of SUBMIT_STEPS), timed from `submit()` to its
 * return, which is when the plan is validated, pre-flighted and its first round committed.
 */
export const SUBMIT_WORKLOAD = 'submit';
export const SUBMIT_STEPS = 10_000;

/** What a row of the report measured: one of the shapes every engine runs, or Baton's submit. */
export type Workload = Shape | typeof SUBMIT_WORKLOAD;

/** Steps in the chain, and parallel branches in the fan-out (which adds one join step). */
export const WORKLOAD_SIZE = 1_000;

/** Steps (nodes) a workload executes: the chain's steps, or the branches plus the join. */
export function stepCount(shape: Shape, size: number): number {
  return shape === Shape.chain ? size : size + 1;
}

export const chainStepId = (index: number): string => `s${index}`;
export const branchStepId = (index: number): string => `b${index}`;
export const JOIN_STEP_ID = 'join';
