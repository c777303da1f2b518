import { describe, expect, it } from 'vitest';
import { narrowTools, stepToolsOf, type Plan } from '../../src/core/index.js';

describe("a step's tools allow-list", () => {
  const agentTools = ['files/read_text_file', 'files/list_directory', 'web/fetch', 'mirror/fetch'];

  it('narrows by tool name on any server, or by SERVER/TOOL on one, and names what the agent lacks', () => {
    expect(narrowTools(agentTools, ['fetch'])).toEqual({ allowed: ['web/fetch', 'mirror/fetch'], missing: [] });
    expect(narrowTools(agentTools, ['web/fetch', 'read_text_file'])).toEqual({
      allowed: ['files/read_text_file', 'web/fetch'],
      missing: [],
    });
    expect(narrowTools(agentTools, ['files/fetch', 'write_file', 'list_directory'])).toEqual({
      allowed: ['files/list_directory'],
      missing: ['files/fetch', 'write_file'],
    });
  });

  it("applies to the step's own attempts and its votes, never to its check, judge or compensation", () => {
    const plan = { baton: 1, name: 'p', steps: { research: { skill: 'r', tools: ['fetch'] }, plain: { skill: 'r' } } };
    const of = (step: string, attemptId: string) => stepToolsOf(plan as unknown as Plan, step, attemptId);
    for (const attemptId of ['research/a1', 'research/v2/a3', 'research@r2/a1', 'research/i4/a1', 'research[3]/a1'])
      expect(of('research', attemptId), attemptId).toEqual(['fetch']);
    for (const attemptId of [
      'research/check/a1',
      'research/judge/a2',
      'research/compensate/a1',
      'research/check@r2/a1',
    ])
      expect(of('research', attemptId), attemptId).toBeNull();
    expect(of('plain', 'plain/a1')).toBeNull();
  });
});
