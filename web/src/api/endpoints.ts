/**
 * Every request the dashboard makes, with the fields of the answer it reads. Kept free of DOM
 * types so that test/web/api-contract.test.ts can check each against the server's OpenAPI
 * document: the path and method exist, the scope is the one the UI expects, and every field read
 * is in the documented answer; `asks` lists the query parameters the client sends, each of which
 * must be documented too.
 */
export const ENDPOINTS = {
  listRuns: {
    method: 'get',
    path: '/v1/runs',
    asks: ['status', 'q', 'limit', 'cursor'],
    reads: ['runs', 'next'],
    item: ['runId', 'name', 'status', 'createdAt', 'updatedAt', 'headSeq', 'pending'],
  },
  gauges: { method: 'get', path: '/v1/gauges', reads: ['gauges', 'missing'] },
  getRun: {
    method: 'get',
    path: '/v1/runs/{id}',
    reads: [
      'runId',
      'name',
      'status',
      'pending',
      'failure',
      'paused',
      'createdAt',
      'endedAt',
      'revision',
      'events',
      'budget',
      'steps',
    ],
  },
  getStep: { method: 'get', path: '/v1/runs/{id}/steps/{step}', reads: ['step', 'routing'] },
  ledger: { method: 'get', path: '/v1/runs/{id}/ledger', reads: ['events', 'next'] },
  verify: { method: 'get', path: '/v1/runs/{id}/verify', reads: ['ok', 'events'] },
  artifacts: { method: 'get', path: '/v1/runs/{id}/artifacts', reads: ['artifacts'] },
  stateMarkdown: { method: 'get', path: '/v1/runs/{id}/state.md', reads: [] },
  routing: { method: 'get', path: '/v1/runs/{id}/routing', reads: [] },
  events: { method: 'get', path: '/v1/runs/{id}/events', reads: [] },
  artifact: { method: 'get', path: '/v1/artifacts/{sha256}', reads: [] },
  capabilities: { method: 'get', path: '/v1/capabilities', reads: ['capabilities', 'runsRead', 'unverified'] },
  approve: { method: 'post', path: '/v1/runs/{id}/approvals', reads: ['runId', 'event'] },
  deny: { method: 'post', path: '/v1/runs/{id}/denials', reads: ['runId', 'event'] },
  submitResult: { method: 'post', path: '/v1/runs/{id}/results', reads: ['runId', 'event'] },
  pause: { method: 'post', path: '/v1/runs/{id}/pause', reads: ['runId', 'event'] },
  resume: { method: 'post', path: '/v1/runs/{id}/resume', reads: [] },
  abort: { method: 'post', path: '/v1/runs/{id}/abort', reads: ['runId', 'event'] },
  revert: { method: 'post', path: '/v1/runs/{id}/revert', reads: [] },
  cancelStep: { method: 'post', path: '/v1/runs/{id}/steps/{step}/cancel', reads: ['runId', 'event'] },
} as const;

export type EndpointName = keyof typeof ENDPOINTS;
