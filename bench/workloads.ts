/** The two shapes every engine runs, at the same size. */
export const Shape = {
  chain: 'chain',
  fanOut: 'fan-out',
} as const;
export type Shape = (typeof Shape)[keyof typeof Shape];

/** Steps in the chain, and parallel branches in the fan-out (which adds one join step). */
export const WORKLOAD_SIZE = 1_000;

/** Steps (nodes) a workload executes: the chain's steps, or the branches plus the join. */
export function stepCount(shape: Shape, size: number): number {
  return shape === Shape.chain ? size : size + 1;
}

export const chainStepId = (index: number): string => `s${index}`;
export const branchStepId = (index: number): string => `b${index}`;
export const JOIN_STEP_ID = 'join';
