import { BatonError, isTerminal, type BatonEvent, type RunState } from '../src/core/index.js';
import * as operator from '../src/engine/operator.js';
import type { Prng } from './prng.js';

export const OPERATOR_ACTS = [
  'approve',
  'deny',
  'submit',
  'signal',
  'pause',
  'unpause',
  'abort',
  'cancel_step',
  'defer',
] as const;
export type OperatorAct = (typeof OPERATOR_ACTS)[number];

const BY = 'sim:operator';

/**
 * A simulated person at the console. It looks at the run's state and picks something a
 * person could do: answer what is pending (mostly yes), send a signal, pause, abort, cancel a
 * step. The command is built by the engine's own operator functions (src/engine/operator.ts),
 * which check it against the state; a refused command changes nothing, as in the CLI.
 */
export function chooseAct(
  random: Prng,
  state: RunState,
  signals: readonly string[],
  now: number,
): { act: OperatorAct; events: BatonEvent[] } | null {
  const pending = [...state.pending.values()];
  // Some acts are two facts recorded together (approving a proposal, and the revision it makes).
  const attempt = (
    act: OperatorAct,
    build: () => BatonEvent | readonly BatonEvent[],
  ): { act: OperatorAct; events: BatonEvent[] } | null => {
    try {
      return { act, events: [build()].flat() };
    } catch (error) {
      if (error instanceof BatonError) return null;
      throw error;
    }
  };
  if (pending.length > 0 && random.chance(0.85)) {
    const target = random.pick(pending);
    switch (target.kind) {
      case 'human':
        return attempt('submit', () => operator.submitResult(state, target.id, { by: 'a person' }, BY, now));
      case 'signal': {
        const names = (target.detail as { signals?: string[] } | undefined)?.signals ?? [];
        return attempt('signal', () => operator.signal(state, random.pick(names), { sent: now }, BY));
      }
      default: {
        const roll = random.next();
        if (target.kind === 'escalation' && roll < 0.15)
          return attempt('submit', () => operator.submitResult(state, target.id, { by: 'a person' }, BY, now));
        if (roll < 0.27) return attempt('deny', () => operator.deny(state, target.id, BY, 'simulated no'));
        return attempt('approve', () => {
          const approval = operator.approve(state, target.id, BY, null);
          return [approval, ...operator.adoptedRevision(state, approval)];
        });
      }
    }
  }
  const roll = random.next();
  if (state.paused) return attempt('unpause', () => operator.unpause(state, BY));
  if (roll < 0.35) return attempt('pause', () => operator.pause(state, BY, 'simulated pause'));
  if (roll < 0.45) return attempt('abort', () => operator.abort(state, BY, 'simulated abort'));
  if (roll < 0.65) {
    const open = Object.values(state.steps).filter((step) => !isTerminal(step.status));
    if (open.length === 0) return null;
    const step = random.pick(open);
    return attempt('cancel_step', () => operator.cancelStep(state, step.id, BY, 'simulated cancel'));
  }
  if (roll < 0.8) {
    const idle = Object.values(state.steps).filter(
      (step) => step.status === 'waiting' || step.status === 'ready' || step.status === 'awaiting',
    );
    if (idle.length === 0) return null;
    const step = random.pick(idle);
    return attempt('defer', () => operator.defer(state, step.id, { at: now + random.int(100, 20_000) }, BY));
  }
  if (signals.length === 0) return null;
  return attempt('signal', () => operator.signal(state, random.pick(signals), { sent: now }, BY));
}

export function unpauseIfPaused(state: RunState): BatonEvent | null {
  return state.status === 'running' && state.paused ? operator.unpause(state, BY) : null;
}
