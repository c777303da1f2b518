import { describe, expect, it } from 'vitest';
import { DecisionKind, decisionId, parseDecisionId } from '../../src/core/index.js';

describe('decision ids', () => {
  it('are the kind, a colon and the target', () => {
    expect(decisionId(DecisionKind.gate, 'execution')).toBe('gate:execution');
    expect(decisionId('human', 'review[2]')).toBe('human:review[2]');
  });

  it('parse back into the kind and target they were built from, for every kind', () => {
    for (const kind of Object.values(DecisionKind)) {
      for (const target of ['deploy', 'fan[3]', 'review/v1', 'a@r2'])
        expect(parseDecisionId(decisionId(kind, target))).toEqual({ kind, target });
    }
  });

  it('split at the first colon: the rest is the target as given', () => {
    expect(parseDecisionId('signal:a:b')).toEqual({ kind: 'signal', target: 'a:b' });
    expect(parseDecisionId('gate:')).toEqual({ kind: 'gate', target: '' });
  });

  it('are not parsed from a bare name or a kind Baton does not know', () => {
    expect(parseDecisionId('deploy')).toBeUndefined();
    expect(parseDecisionId('vote:review')).toBeUndefined();
    expect(parseDecisionId(':deploy')).toBeUndefined();
    expect(parseDecisionId('Gate:execution')).toBeUndefined();
  });
});
