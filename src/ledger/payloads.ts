import type { EventType } from '../core/index.js';
import { canonicalJson, sha256Hex } from './canonical.js';

/**
 * Large payloads stay out of ledger rows. A step's output, an attempt's input (a model's prompt)
 * or output, an error's detail and the like can be megabytes, and a long agent run appends many:
 * kept inline they bloat every read of the ledger. Above a threshold such a value is replaced
 * in the stored event by a reference, `{ $payload: 'sha256:<hex>', bytes: N }`, and stored
 * once, content-addressed, in the store's payload table, in the append's transaction.
 *
 * The event's hash is taken over the stored form, so the chain covers the reference, whose
 * hash binds the content: `verify` re-hashes every referenced payload. Readers never see a
 * reference: the store resolves them where it reads events (see `resolvePayloads`).
 */

/** Values whose canonical JSON is larger than this many bytes (UTF-8) are stored apart: 16 KiB. */
export const PAYLOAD_THRESHOLD_BYTES = 16 * 1024;

/** What a stored event holds in place of a large value. */
export interface PayloadRef {
  /** `sha256:` and the hex sha256 of the value's canonical JSON (its stored body). */
  $payload: string;
  /** The body's size in bytes (UTF-8). */
  bytes: number;
}

/** A payload as the store keeps it: its hex sha256 and its canonical JSON. */
export interface StoredPayload {
  hash: string;
  body: string;
}

/** An event's data as it is stored and hashed, and the payloads it references. */
export interface StoredForm {
  data: unknown;
  payloads: StoredPayload[];
}

const REF_PREFIX = 'sha256:';

/**
 * Where each event type carries values that can be large: the outputs of attempts and steps,
 * the input an attempt is dispatched with (a model's prompt), errors' detail, what a person
 * submitted, a signal's data, a `for_each` step's items, an escalation's detail. Everything
 * else in an event is bounded by the plan (names, reasons, hashes). Tool calls keep only a
 * hash of their arguments and no result (see ToolCallRecord), so they have no slot.
 */
const SLOTS: Partial<Record<EventType, readonly (readonly string[])[]>> = {
  'attempt.dispatched': [['input']],
  'attempt.succeeded': [['output']],
  'attempt.failed': [['error', 'detail']],
  'step.succeeded': [['output']],
  'step.failed': [['error', 'detail']],
  'step.compensated': [['error', 'detail']],
  'step.expanded': [['items']],
  'consensus.reached': [['output']],
  'decision.made': [['output']],
  'decision.requested': [['detail']],
  'signal.received': [['data']],
};

/** Whether events of this type can hold references at all. */
export function hasPayloadSlots(type: string): boolean {
  return SLOTS[type as EventType] !== undefined;
}

export function isPayloadRef(value: unknown): value is PayloadRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.$payload === 'string' &&
    record.$payload.startsWith(REF_PREFIX) &&
    typeof record.bytes === 'number' &&
    Object.keys(record).length === 2
  );
}

/** The hex sha256 a reference names. */
export function payloadHashOf(ref: PayloadRef): string {
  return ref.$payload.slice(REF_PREFIX.length);
}

function getAt(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A copy of `data` with `value` at `path`, copying only the objects along the path. */
function setAt(data: unknown, path: readonly string[], value: unknown): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return value;
  const record = data as Record<string, unknown>;
  return { ...record, [key]: setAt(record[key], rest, value) };
}

interface SlotValue {
  path: readonly string[];
  body: string;
  bytes: number;
  /** A value that looks like a reference is always stored apart, so that an inline value never reads as one. */
  mustMove: boolean;
}

function slotValues(type: string, data: unknown): SlotValue[] {
  const found: SlotValue[] = [];
  for (const path of SLOTS[type as EventType] ?? []) {
    const value = getAt(data, path);
    if (value === undefined) continue;
    const body = canonicalJson(value);
    found.push({ path, body, bytes: Buffer.byteLength(body), mustMove: isPayloadRef(value) });
  }
  return found;
}

function moveOut(data: unknown, moved: readonly SlotValue[]): StoredForm {
  const payloads: StoredPayload[] = [];
  let stored = data;
  for (const slot of moved) {
    const hash = sha256Hex(slot.body);
    payloads.push({ hash, body: slot.body });
    stored = setAt(stored, slot.path, { $payload: `${REF_PREFIX}${hash}`, bytes: slot.bytes } satisfies PayloadRef);
  }
  return { data: stored, payloads };
}

/**
 * The form an event is stored and hashed in: each slot value larger than `thresholdBytes`
 * replaced by its reference. Data without such values comes back as it is, with no payloads.
 * @example
 * externalizePayloads('step.succeeded', { step: 'a', output: big }).data // { step: 'a', output: { $payload: 'sha256:…', bytes: 102_400 } }
 */
export function externalizePayloads(type: string, data: unknown, thresholdBytes = PAYLOAD_THRESHOLD_BYTES): StoredForm {
  const paths = SLOTS[type as EventType];
  if (paths === undefined) return { data, payloads: [] };
  const moved: SlotValue[] = [];
  for (const path of paths) {
    const value = getAt(data, path);
    if (value === undefined) continue;
    const mustMove = isPayloadRef(value);
    // The hot path (every output, most of them small): JSON.stringify is native and writes as
    // many UTF-16 units as the canonical form, each at most 3 bytes of UTF-8, so a value this
    // short is under the threshold without canonicalizing it.
    if (!mustMove && JSON.stringify(value).length * 3 <= thresholdBytes) continue;
    const body = canonicalJson(value);
    const bytes = Buffer.byteLength(body);
    if (mustMove || bytes > thresholdBytes) moved.push({ path, body, bytes, mustMove });
  }
  return moved.length === 0 ? { data, payloads: [] } : moveOut(data, moved);
}

/**
 * The stored forms an event can have had, whatever threshold it was written with: as it is,
 * then with its largest slot values moved out, one more at a time. A threshold moves out
 * exactly the values above it, so one of these is the form that was hashed. This is how a
 * chain is verified from events that were read with their payloads resolved.
 */
export function* candidateStoredForms(type: string, data: unknown): Generator<StoredForm> {
  yield { data, payloads: [] };
  if (!hasPayloadSlots(type)) return;
  const slots = slotValues(type, data).sort((a, b) => b.bytes - a.bytes);
  const always = slots.filter((slot) => slot.mustMove);
  const optional = slots.filter((slot) => !slot.mustMove);
  for (let k = always.length > 0 ? 0 : 1; k <= optional.length; k++) {
    yield moveOut(data, [...always, ...optional.slice(0, k)]);
  }
}

/** A reference found in a stored event: where it is and what it names. */
export interface FoundRef {
  path: readonly string[];
  ref: PayloadRef;
}

/** The references in an event's stored data, at its slots. */
export function payloadRefsIn(type: string, data: unknown): FoundRef[] {
  const found: FoundRef[] = [];
  for (const path of SLOTS[type as EventType] ?? []) {
    const value = getAt(data, path);
    if (isPayloadRef(value)) found.push({ path, ref: value });
  }
  return found;
}

/** Why a payload could not be read back: it is missing, or its body no longer hashes to its name. */
export type PayloadProblem = 'missing' | 'changed';

/**
 * Checks a stored body against the reference that names it; undefined when it holds.
 * @example
 * payloadProblem(ref, bodies.get(payloadHashOf(ref))) // 'missing' | 'changed' | undefined
 */
export function payloadProblem(ref: PayloadRef, body: string | undefined): PayloadProblem | undefined {
  if (body === undefined) return 'missing';
  if (sha256Hex(body) !== payloadHashOf(ref) || Buffer.byteLength(body) !== ref.bytes) return 'changed';
  return undefined;
}

/** A sentence naming the event and the payload, for verify and for a read that cannot resolve one. */
export function describePayloadProblem(
  event: { runId: string; seq: number; type: string },
  ref: PayloadRef,
  problem: PayloadProblem,
): string {
  const what = `payload ${ref.$payload} (${ref.bytes} bytes) of event seq ${event.seq} (${event.type})`;
  return problem === 'missing'
    ? `${what} is missing from the store's payload table`
    : `${what} no longer matches its hash: its stored bytes were changed after it was written`;
}

/**
 * Replaces the references in stored events by their values, fetching each distinct payload
 * once per call, and checking every body against its hash: a read never hands out a payload
 * that was changed. Events without references are returned as they are (no copy).
 * `fetch` returns the bodies it found, by hex hash.
 */
export async function resolvePayloads<E extends { runId: string; seq: number; type: string; data: unknown }>(
  events: E[],
  fetch: (hashes: string[]) => Promise<Map<string, string>>,
  onProblem: (message: string, event: E) => Error,
): Promise<E[]> {
  const refs = new Map<E, FoundRef[]>();
  const wanted = new Set<string>();
  for (const event of events) {
    const found = payloadRefsIn(event.type, event.data);
    if (found.length === 0) continue;
    refs.set(event, found);
    for (const { ref } of found) wanted.add(payloadHashOf(ref));
  }
  if (wanted.size === 0) return events;
  const bodies = await fetch([...wanted]);
  const parsed = new Map<string, unknown>();
  return events.map((event) => {
    const found = refs.get(event);
    if (!found) return event;
    let data = event.data;
    for (const { path, ref } of found) {
      const hash = payloadHashOf(ref);
      if (!parsed.has(hash)) {
        const body = bodies.get(hash);
        const problem = payloadProblem(ref, body);
        if (problem) throw onProblem(describePayloadProblem(event, ref, problem), event);
        parsed.set(hash, JSON.parse(body as string));
      }
      data = setAt(data, path, parsed.get(hash));
    }
    return { ...event, data };
  });
}

/**
 * The stored form of events chained by `chainEvents`, kept beside them rather than on them:
 * the event objects go on to listeners and the fold with their values, and only the store's
 * append asks for the form it writes (see `storedFormOf`).
 */
const storedForms = new WeakMap<object, StoredForm>();

export function rememberStoredForm(event: object, form: StoredForm): void {
  storedForms.set(event, form);
}

/** The stored form `chainEvents` remembered for an event object, if it did. */
export function rememberedStoredForm(event: object): StoredForm | undefined {
  return storedForms.get(event);
}
