import type { BatonEvent } from '../core/index.js';
import { canonicalJson } from './canonical.js';
import type { ReplayVerdict } from './replay.js';

/** The fields that say which step, attempt, phase or decision an event is about, in the order shown. */
const IDENTITY = ['attemptId', 'id', 'step', 'phase'] as const;

/** The longest a value is quoted in a summary: enough to tell two apart, short enough for one line. */
const QUOTE_CHARS = 80;

function quote(value: unknown): string {
  const text = canonicalJson(value ?? null);
  return text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS - 1)}…` : text;
}

function fieldsOf(event: BatonEvent): Record<string, unknown> {
  return event.data as unknown as Record<string, unknown>;
}

/** The field that names what an event is about (the most specific first), if it has one. */
function identityOf(event: BatonEvent): string | undefined {
  const data = fieldsOf(event);
  return IDENTITY.find((key) => typeof data[key] === 'string');
}

/** `attempt.dispatched b/a1` style: the type and what it is about. */
function identify(event: BatonEvent): string {
  const key = identityOf(event);
  return key === undefined ? event.type : `${event.type} ${fieldsOf(event)[key] as string}`;
}

/** The first field (in key order) whose value differs between two events of one type. */
function firstDifference(recorded: BatonEvent, derived: BatonEvent): string | undefined {
  const a = fieldsOf(recorded);
  const b = fieldsOf(derived);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.find((key) => canonicalJson(a[key] ?? null) !== canonicalJson(b[key] ?? null));
}

/**
 * One line for each side of a replay divergence: what the ledger records at the divergent
 * position and what the conductor derives there now. Two events of one type about the same
 * thing are told apart by the first field that differs.
 * @example
 * summarizeDivergence(verdict)
 * // { recorded: 'attempt.dispatched b/a1 with capability "old"', derived: 'attempt.dispatched b/a1 with capability "worker"' }
 */
export function summarizeDivergence(mismatch: Extract<ReplayVerdict, { ok: false }>): {
  recorded: string;
  derived: string;
} {
  const { found, derived } = mismatch;
  if (found && derived && found.type === derived.type) {
    const field = firstDifference(found, derived);
    // Events about different things are told apart by what they are about, shown anyway.
    if (field !== undefined && field !== identityOf(found)) {
      return {
        recorded: `${identify(found)} with ${field} ${quote(fieldsOf(found)[field])}`,
        derived: `${identify(derived)} with ${field} ${quote(fieldsOf(derived)[field])}`,
      };
    }
  }
  return {
    recorded: found ? identify(found) : 'nothing more (the ledger ends)',
    derived: derived ? identify(derived) : 'no further decision',
  };
}
