import { Annotation, END, MemorySaver, START, StateGraph, type BaseCheckpointSaver } from '@langchain/langgraph';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { Trial } from './measure.js';
import { branchStepId, chainStepId, JOIN_STEP_ID, Shape, stepCount } from './workloads.js';

/** How a LangGraph run is persisted: not at all, in memory, or to a SQLite file. */
export const Checkpointing = {
  none: 'none',
  memory: 'MemorySaver',
  sqlite: 'SqliteSaver',
} as const;
export type Checkpointing = (typeof Checkpointing)[keyof typeof Checkpointing];

// One channel nobody writes: the nodes are no-ops, so the state only has to exist.
const State = Annotation.Root({ value: Annotation<number> });

/**
 * A StateGraph of no-op nodes: a chain (START -> s0 -> ... -> END), or START -> each of
 * `size` branches -> join -> END. In the fan-out every branch has its own edge into the
 * join; the branches all run in the first superstep, so the join runs once, in the second.
 */
function buildGraph(shape: Shape, size: number, onNode: () => void) {
  const noop = () => {
    onNode();
    return {};
  };
  const ids = Array.from({ length: size }, (_, i) => (shape === Shape.chain ? chainStepId(i) : branchStepId(i)));
  const nodes: Record<string, typeof noop> = Object.fromEntries(ids.map((id) => [id, noop]));
  if (shape === Shape.fanOut) nodes[JOIN_STEP_ID] = noop;
  const graph = new StateGraph(State).addNode(nodes);
  if (shape === Shape.chain) {
    graph.addEdge(START, chainStepId(0));
    for (let i = 1; i < size; i += 1) graph.addEdge(chainStepId(i - 1), chainStepId(i));
    graph.addEdge(chainStepId(size - 1), END);
  } else {
    for (const id of ids) {
      graph.addEdge(START, id);
      graph.addEdge(id, JOIN_STEP_ID);
    }
    graph.addEdge(JOIN_STEP_ID, END);
  }
  return graph;
}

/**
 * One LangGraph invocation. Building and compiling the graph (and opening the SQLite file)
 * are setup, outside the clock: a compiled graph is reusable, so that is the kinder reading for
 * LangGraph. Timed: `invoke` alone. The trial throws unless every node ran exactly once.
 */
export async function langGraphTrial(
  shape: Shape,
  size: number,
  checkpointing: Checkpointing,
  sqliteFile: string,
): Promise<Trial> {
  const setupStart = performance.now();
  let calls = 0;
  const graph = buildGraph(shape, size, () => (calls += 1));
  const saver: BaseCheckpointSaver | undefined =
    checkpointing === Checkpointing.sqlite
      ? SqliteSaver.fromConnString(sqliteFile)
      : checkpointing === Checkpointing.memory
        ? new MemorySaver()
        : undefined;
  const app = graph.compile(saver ? { checkpointer: saver } : {});
  try {
    const start = performance.now();
    // A chain of n nodes takes n supersteps; the default limit (25) would stop it.
    await app.invoke({ value: 0 }, { recursionLimit: size + 10, configurable: { thread_id: `bench-${shape}` } });
    const wallMs = performance.now() - start;
    const expected = stepCount(shape, size);
    if (calls !== expected)
      throw new Error(`langgraph ${shape} (${checkpointing}): expected ${expected} node calls, got ${calls}`);
    return { wallMs, setupMs: start - setupStart };
  } finally {
    if (saver instanceof SqliteSaver) saver.db.close();
  }
}
