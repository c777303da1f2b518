import type { Json } from '../json.js';
import type { Consensus } from '../plan/schema.js';
import type { Vote } from './consensus.js';

/**
 * `compare: judge` and `compare: { judge: SKILL }`: once the votes are in, one attempt goes to a
 * capability with that skill (routed like any step), which reads the votes and says whether they
 * agree. Its verdict, with its reasons, is recorded (`consensus.judged`) either way.
 */

/** What a judge must answer. */
export interface Judgement {
  agree: boolean;
  /** The agreed answer, when the judge chose one; else the first vote's output is taken. */
  output?: Json;
  reasons: string;
}

/** The skill that judges a consensus, or null when its votes are compared without a judge. */
export function judgeSkillOf(consensus: Consensus): string | null {
  const compare = consensus.compare;
  if (compare === 'judge') return 'judge';
  if (typeof compare === 'object') return compare.judge;
  return null;
}

/**
 * What the judge is given: the rule it judges by, the step's input and every vote (capability
 * and output), in voter order.
 * @example
 * judgeInput('review', { n: 2, agree: 'all', compare: 'judge' }, 'Is it safe?', votes)
 * // { step: 'review', agree: 'all', input: 'Is it safe?', votes: [{ capability: 'r1', output: 'yes' }, ...] }
 */
export function judgeInput(step: string, consensus: Consensus, input: Json, votes: Vote[]): Json {
  return {
    step,
    agree: consensus.agree,
    input,
    votes: votes.map((vote) => ({ capability: vote.capability, output: vote.output })),
  };
}

const SHAPE = '{ "agree": true or false, "output"?: any JSON, "reasons": "text" }';

/**
 * The judge's answer as a verdict, or why it is not one. A model may answer with the JSON as
 * text: a string that parses as the right object counts as that object.
 */
export function readJudgement(answer: Json): Judgement | string {
  let value: Json = answer;
  if (typeof answer === 'string') {
    try {
      value = JSON.parse(answer) as Json;
    } catch {
      return `the judge answered text that is not JSON (${preview(answer)}); a judge answers ${SHAPE}`;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `the judge answered ${preview(value)}; a judge answers ${SHAPE}`;
  const { agree, reasons, output } = value as { agree?: Json; reasons?: Json; output?: Json };
  const wrong = [
    ...(typeof agree === 'boolean' ? [] : [`"agree" is ${agree === undefined ? 'missing' : preview(agree)}`]),
    ...(typeof reasons === 'string' && reasons.trim() !== ''
      ? []
      : [`"reasons" is ${reasons === undefined ? 'missing' : preview(reasons)}`]),
  ];
  if (wrong.length > 0) return `the judge's answer is not a verdict (${wrong.join(', ')}); a judge answers ${SHAPE}`;
  return { agree: agree as boolean, reasons: reasons as string, ...(output !== undefined && { output }) };
}

function preview(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
