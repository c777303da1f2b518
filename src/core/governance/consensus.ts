import { canonicalJson } from '../canonical.js';
import { compileExpression } from '../expressions.js';
import type { Json } from '../json.js';
import type { Consensus } from '../plan/schema.js';

export interface Vote {
  capability: string;
  output: Json;
}

export type ConsensusVerdict =
  | { agreed: true; output: Json; agreeing: string[]; dissenting: string[] }
  | { agreed: false; reason: string; votes: Vote[] };

/** Whether two outputs agree under `compare`: the same JSON text, the same value, or a CEL expression over `a` and `b`. */
function sameAnswer(compare: string, a: Json, b: Json): boolean {
  if (compare === 'exact') return JSON.stringify(a) === JSON.stringify(b);
  if (compare === 'json') return canonicalJson(a) === canonicalJson(b);
  return compileExpression(compare, 'compare').evaluate({ a, b }) === true;
}

/**
 * Groups the votes into answers that agree with each other (each answer is represented by its
 * first vote) and finds the winner: every vote for `all`, more than half for `majority`.
 * Disagreement is never settled by strength or order: it is a contradiction a person resolves.
 * A compare expression that fails counts as disagreement, with its error in the reason.
 */
export function judgeConsensus(consensus: Consensus, votes: Vote[]): ConsensusVerdict {
  // A judge's consensus is decided by the judge (consensus-judge.ts), never by comparing here.
  if (consensus.compare === 'judge' || typeof consensus.compare === 'object')
    throw new Error('conductor invariant: a judged consensus is not compared');
  const compare = consensus.compare ?? 'json';
  const groups: Vote[][] = [];
  try {
    for (const vote of votes) {
      const group = groups.find((members) => sameAnswer(compare, (members[0] as Vote).output, vote.output));
      if (group) group.push(vote);
      else groups.push([vote]);
    }
  } catch (error) {
    return { agreed: false, reason: `compare \`${compare}\` failed: ${(error as Error).message}`, votes };
  }
  const largest = groups.reduce((best, group) => (group.length > best.length ? group : best), [] as Vote[]);
  const needed = consensus.agree === 'all' ? votes.length : Math.floor(votes.length / 2) + 1;
  if (largest.length >= needed) {
    const agreeing = largest.map((vote) => vote.capability);
    return {
      agreed: true,
      output: (largest[0] as Vote).output,
      agreeing,
      dissenting: votes.map((vote) => vote.capability).filter((id) => !agreeing.includes(id)),
    };
  }
  return {
    agreed: false,
    reason: `the ${votes.length} capabilities gave ${groups.length} different answers (${consensus.agree === 'all' ? 'all must agree' : `a majority of ${needed} is needed`}, the largest agreeing group is ${largest.length})`,
    votes,
  };
}
