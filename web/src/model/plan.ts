import type { Json } from '../api/types.js';

/** The parts of a plan (as `run.created` and `plan.revised` record it) the dashboard draws. */
export interface PlanStep {
  skill?: string;
  capability?: string;
  phase?: string;
  after?: string[] | { any: string[] } | { count: number; of: string[] };
  for_each?: string;
  consensus?: { n: number; agree?: string };
  plan?: string;
  await?: { signal?: string };
  when?: string;
  repeat?: unknown;
  [key: string]: unknown;
}

export type PlanPhase = string | { id: string; gate?: Record<string, Json> };

export interface Plan {
  name: string;
  objective?: string;
  phases?: PlanPhase[];
  constraints?: { deadline?: string; budget_usd?: number; max_parallel?: number };
  steps: Record<string, PlanStep>;
}

export const DEFAULT_PHASES = ['infrastructure', 'execution'];

/** The steps a step waits for, whatever form its `after` takes. */
export function dependenciesOf(step: PlanStep): string[] {
  const after = step.after;
  if (after === undefined) return [];
  if (Array.isArray(after)) return after;
  if ('any' in after) return after.any;
  return after.of;
}

/** How a join waits, for the edge label: nothing for "all of them". */
export function joinLabel(step: PlanStep): string | null {
  const after = step.after;
  if (after === undefined || Array.isArray(after)) return null;
  if ('any' in after) return 'any';
  return `${after.count} of ${after.of.length}`;
}

/** The run's phases as the engine reads them; none when the plan has one implicit phase. */
export function phaseIds(plan: Plan): string[] {
  if (plan.phases) return plan.phases.map((phase) => (typeof phase === 'string' ? phase : phase.id));
  return Object.values(plan.steps).some((step) => step.phase !== undefined) ? [...DEFAULT_PHASES] : [];
}

export function phaseGate(plan: Plan, id: string): Record<string, Json> | null {
  const phase = (plan.phases ?? []).find((entry) => typeof entry !== 'string' && entry.id === id);
  return phase && typeof phase !== 'string' ? (phase.gate ?? null) : null;
}

/** The phase a step belongs to: its own, else the first (as the engine places it). */
export function phaseOf(ids: readonly string[], step: PlanStep): string | null {
  if (ids.length === 0) return null;
  return step.phase !== undefined && ids.includes(step.phase) ? step.phase : (ids[0] ?? null);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A plan duration (`90s`, `10m`, `1h30m`) in milliseconds, or null when it is not one. */
export function durationMs(text: string | undefined): number | null {
  if (text === undefined) return null;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return null;
  return parts.reduce((total, part) => total + Number(part[1]) * (UNIT_MS[part[2] as string] ?? 0), 0);
}
