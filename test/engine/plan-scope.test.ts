import { describe, expect, it } from 'vitest';
import { BatonError, type Plan } from '../../src/core/index.js';
import { hostCapabilities, requirePlanScope, scopeForPlan } from '../../src/engine/index.js';

const people: Plan = {
  baton: 1,
  name: 'people',
  capabilities: { reviewer: { kind: 'human', skills: { review: 1 } } },
  steps: { review: { skill: 'review' } },
};
const programs: Plan = {
  ...people,
  name: 'programs',
  capabilities: { ...people.capabilities, sh: { kind: 'command', command: ['touch', 'x'], skills: { run: 1 } } },
};

describe('the scope a plan needs (requirePlanScope)', () => {
  it('is operate for plans that route to people or registered functions, admin once one declares a command', () => {
    expect(scopeForPlan(people)).toBe('operate');
    expect(scopeForPlan({ baton: 1, name: 'fn', steps: { a: { skill: 'work' } } })).toBe('operate');
    expect(hostCapabilities(programs)).toEqual(['sh (command)']);
    expect(scopeForPlan(programs)).toBe('admin');
  });

  it("counts a sub-plan's capabilities as the parent's: its child run is admitted by the engine, not the caller", () => {
    const delegating: Plan = { baton: 1, name: 'delegating', steps: { team: { plan: programs as never } } };
    expect(hostCapabilities(delegating)).toEqual(['sh (command) in the sub-plan of team']);
    expect(scopeForPlan(delegating)).toBe('admin');
    expect(scopeForPlan({ baton: 1, name: 'd', steps: { team: { plan: people as never } } })).toBe('operate');
  });

  it('fails closed for a kind it does not know to run nothing on the host', () => {
    const future = { ...people, capabilities: { call: { kind: 'http', skills: { fetch: 1 } } } } as unknown as Plan;
    expect(scopeForPlan(future)).toBe('admin');
  });

  it('throws a forbidden BatonError naming the capabilities, the action and what the caller has; admin passes', () => {
    expect(() => requirePlanScope(programs, ['admin'], 'token:root', 'submit')).not.toThrow();
    expect(() => requirePlanScope(people, ['operate'], 'token:ci', 'revise')).not.toThrow();
    let thrown: unknown;
    try {
      requirePlanScope(programs, ['read', 'operate', 'approve'], 'mcp:agent', 'revise');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BatonError);
    expect(thrown).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(
        /^plan "programs" declares capabilities that act as the server's user, on its machine and network \(sh \(command\)\): to revise it needs the admin scope; mcp:agent has read, operate, approve\./,
      ),
    });
    expect(() => requirePlanScope(people, ['read'], 'token:dash', 'submit')).toThrow(
      'to submit plan "people" needs the operate scope; token:dash has read',
    );
  });
});
