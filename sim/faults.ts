import type { Json, StepError } from '../src/core/index.js';
import type { Prng } from './prng.js';

/** What a simulated capability does with one attempt. */
export const BEHAVIOURS = ['succeed', 'fail', 'fail_fatal', 'hang', 'late', 'twice', 'crash_worker'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/** Faults of the world around the capabilities. */
export const WORLD_FAULTS = ['engine_crash', 'store_write_failure', 'operator'] as const;
export type WorldFault = (typeof WORLD_FAULTS)[number];

/**
 * How harsh one seed's world is: the odds of each capability behaviour and of each world
 * fault. Drawn per seed, so some seeds are calm (long successful runs) and some are storms.
 */
export interface FaultProfile {
  weights: Record<Behaviour, number>;
  /** Chance, after each commit, that the engine crashes. */
  engineCrash: number;
  /** Chance that a store append throws before writing. */
  storeWriteFailure: number;
  /** Chance that a successful vote answers differently from the others (consensus disagrees). */
  dissent: number;
  /** Chance that a success reports a cost below the worst case. */
  reportsCost: number;
}

export function drawProfile(random: Prng): FaultProfile {
  const calm = random.chance(0.2);
  const w = (max: number): number => (calm ? 0 : random.next() * max);
  return {
    weights: {
      succeed: 6,
      fail: w(2),
      fail_fatal: w(0.4),
      hang: w(0.6),
      late: w(0.6),
      twice: w(0.6),
      crash_worker: w(0.4),
    },
    engineCrash: calm ? 0 : random.next() * 0.06,
    storeWriteFailure: calm ? 0 : random.next() * 0.06,
    dissent: random.next() * 0.3,
    reportsCost: random.next() * 0.5,
  };
}

export function drawBehaviour(random: Prng, profile: FaultProfile): Behaviour {
  const total = BEHAVIOURS.reduce((sum, b) => sum + profile.weights[b], 0);
  let roll = random.next() * total;
  for (const behaviour of BEHAVIOURS) {
    roll -= profile.weights[behaviour];
    if (roll < 0) return behaviour;
  }
  return 'succeed';
}

/** How long an attempt takes, in virtual milliseconds. */
export function drawDuration(random: Prng): number {
  return random.pick([1, 5, 20, 100, 400, 1_500, 6_000]) + random.int(0, 50);
}

export function failure(fatal: boolean): StepError {
  return fatal
    ? { type: 'exit_code', message: 'simulated: a fatal error', retryable: false }
    : { type: 'exit_code', message: 'simulated: a transient error', retryable: true };
}

/** A vote's output is `{v: 1}` unless it dissents; other steps answer with what they were given. */
export function outputFor(random: Prng, input: Json, isVote: boolean, profile: FaultProfile): Json {
  if (isVote) return { v: random.chance(profile.dissent) ? 2 : 1 };
  return { echo: input, n: random.int(0, 9) };
}
