import { describe, expect, it } from 'vitest';
import { buildRegistry, checkPlan, declaredSecrets, urlOutsideScope, type Plan } from '../../src/core/index.js';

const base = {
  baton: 1,
  name: 'hooks',
  inputs: { env: { type: 'string', default: 'staging' } },
  constraints: { secrets: ['DEPLOY_URL'] },
  capabilities: {
    hook: {
      kind: 'http',
      url: 'https://hooks.example.com/{{ inputs.env }}/deploy',
      method: 'PUT',
      headers_env: { Authorization: 'HOOK_AUTH', 'X-Team': 'TEAM_NAME' },
      secret_env: 'HOOK_HMAC',
      max_response_bytes: 4096,
      timeout: '10s',
      cost_usd: 0.01,
      skills: { deploy: 1 },
    },
  },
  steps: { deploy: { skill: 'deploy' } },
};

function check(capability: Record<string, unknown>): Plan {
  return checkPlan({ ...base, capabilities: { hook: { ...base.capabilities.hook, ...capability } } }, (p) =>
    buildRegistry(p),
  );
}

describe('the http capability in the plan language', () => {
  it('accepts a full config and describes it to the registry with its timeout and cost, never its variables', () => {
    const plan = check({});
    expect(buildRegistry(plan).hook).toEqual({
      id: 'hook',
      kind: 'http',
      skills: { deploy: 1 },
      costUsd: 0.01,
      timeoutMs: 10_000,
    });
  });

  it.each([
    [{ url: 'ftp://files.example.com/x' }, /capabilities\.hook\.url: the URL must be http or https, not ftp:/],
    [{ url: 'https://bot:pw@hooks.example.com/x' }, /capabilities\.hook\.url: the URL has a user or password/],
    [{ url: 'hooks.example.com/x' }, /capabilities\.hook\.url: not a valid URL/],
    [{ url: 'https://x.example.com/{{ inputs.evn }}' }, /capabilities\.hook\.url.*inputs\.evn/s],
    [{ method: 'TRACE' }, /capabilities\.hook\.method/],
    [{ headers_env: { 'Idempotency-Key': 'MY_KEY' } }, /Baton sets this header itself/],
    [{ headers_env: { 'Bad Header': 'MY_KEY' } }, /a header name is letters, digits/],
    [{ headers_env: { Authorization: 'A_TOKEN', authorization: 'B_TOKEN' } }, /name each header once/],
    [{ headers_env: { Authorization: 'Bearer abc' } }, /an environment variable name is letters/],
    [{ secret_env: 'whsec-123' }, /capabilities\.hook\.secret_env: an environment variable name/],
    [{ max_response_bytes: 0 }, /capabilities\.hook\.max_response_bytes/],
    [{ headers: { Authorization: 'x' } }, /headers/],
  ])('refuses %j', (capability, message) => {
    expect(() => check(capability)).toThrow(message);
  });

  it('makes the variables it names secrets of the run, besides constraints.secrets', () => {
    expect(declaredSecrets(check({}))).toEqual(['DEPLOY_URL', 'HOOK_AUTH', 'TEAM_NAME', 'HOOK_HMAC']);
    expect(declaredSecrets(check({ headers_env: undefined, secret_env: undefined }))).toEqual(['DEPLOY_URL']);
    const recorded = { ...base, capabilities: { later: { kind: 'teleport', skills: {} } } } as unknown as Plan;
    expect(declaredSecrets(recorded)).toEqual(['DEPLOY_URL']);
  });
});

describe('urlOutsideScope', () => {
  it.each([
    ['https://api.example.com/v1/hook', ['https://api.example.com/v1'], null],
    ['https://api.example.com/v1/hook?x=1', ['api.example.com'], null],
    ['http://127.0.0.1:8080/x', ['127.0.0.1:8080'], null],
    ['http://127.0.0.1:9090/x', ['127.0.0.1:8080'], /outside the step's scope \(127\.0\.0\.1:8080\)/],
    ['https://api.example.com/v2', ['https://api.example.com/v1'], /https:\/\/api\.example\.com\/v2 is outside/],
    [
      'https://api.example.com/v1/..%2Fadmin',
      ['https://api.example.com/v1'],
      /read as https:\/\/api\.example\.com\/admin/,
    ],
    ['http://api.example.com/v1', ['https://api.example.com/v1'], /outside/],
    ['https://api.example.com/v1', ['./out', '/srv'], /outside/],
    ['https://api.example.com/v1', [], /\(empty: no URL is allowed\)/],
  ])('%s in %j', (url, scope, expected) => {
    const outside = urlOutsideScope(new URL(url), scope);
    if (expected === null) expect(outside).toBeNull();
    else expect(outside).toMatch(expected);
  });
});
