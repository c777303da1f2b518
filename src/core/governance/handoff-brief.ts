import { BatonError, ErrorCode } from '../errors.js';

/**
 * What the receiving agent is told beside the work itself (seed 001's handoff entry): what to
 * do, how it knows it is done, and what may go wrong. Every field is optional; a handoff
 * without them is recorded as before, so ledgers written earlier replay unchanged.
 */
export interface HandoffBrief {
  instruction?: string;
  completionCriteria?: string[];
  knownRisks?: string[];
}

/** What a caller may give: text is trimmed and bounded here, once, for every surface. */
export interface HandoffBriefInput {
  instruction?: string | null;
  completionCriteria?: readonly string[] | null;
  knownRisks?: readonly string[] | null;
}

/** An instruction is a brief, not a document: the documents are the artifacts handed on. */
export const MAX_HANDOFF_INSTRUCTION = 10_000;
/** One criterion or risk is a sentence or two. */
export const MAX_HANDOFF_ITEM = 1_000;
/** More entries than this are a document pasted into a list, not a checklist. */
export const MAX_HANDOFF_ITEMS = 50;

function textList(what: string, items: readonly string[] | null | undefined): string[] | undefined {
  if (items == null || items.length === 0) return undefined;
  if (items.length > MAX_HANDOFF_ITEMS)
    throw new BatonError(
      ErrorCode.badInput,
      `${what} has ${items.length} entries; at most ${MAX_HANDOFF_ITEMS} are kept (one short sentence each)`,
    );
  return items.map((item, i) => {
    const trimmed = typeof item === 'string' ? item.trim() : '';
    if (trimmed === '') throw new BatonError(ErrorCode.badInput, `${what}[${i}] is empty; give it as non-blank text`);
    if (trimmed.length > MAX_HANDOFF_ITEM)
      throw new BatonError(
        ErrorCode.badInput,
        `${what}[${i}] is ${trimmed.length} characters long; at most ${MAX_HANDOFF_ITEM} are kept per entry`,
      );
    return trimmed;
  });
}

/**
 * Checks and normalizes a handoff's brief: trimmed text, bounded lengths, empty lists and a
 * blank instruction left out (so a handoff that says nothing records nothing extra). Throws
 * BatonError(badInput) naming the field and the limit.
 * @example
 * handoffBrief({ instruction: ' review it ', knownRisks: ['flaky test'] }) // { instruction: 'review it', knownRisks: ['flaky test'] }
 */
export function handoffBrief(input: HandoffBriefInput): HandoffBrief {
  const brief: HandoffBrief = {};
  const instruction = input.instruction?.trim() ?? '';
  if (instruction.length > MAX_HANDOFF_INSTRUCTION)
    throw new BatonError(
      ErrorCode.badInput,
      `instruction is ${instruction.length} characters long; at most ${MAX_HANDOFF_INSTRUCTION} are kept (hand longer documents on as artifacts)`,
    );
  if (instruction !== '') brief.instruction = instruction;
  const completionCriteria = textList('completionCriteria', input.completionCriteria);
  if (completionCriteria) brief.completionCriteria = completionCriteria;
  const knownRisks = textList('knownRisks', input.knownRisks);
  if (knownRisks) brief.knownRisks = knownRisks;
  return brief;
}
