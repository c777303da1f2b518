import type { ApiErrorBody, CapabilityRegistry, RunGauge, Json, LedgerPage, RecordedResponse, RunArtifact, RunList, RunView, StepDetail, VerifyResult } from './types';

const TOKEN_KEY = 'baton.token';

/** The token is entered once per browser session and kept in session storage (never in local storage: it ends with the tab). */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer the API refused, with its stable code and the message it is meant to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const token = tokenStore.get();
  return { ...(token && { Authorization: `Bearer ${token}` }), ...extra };
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: Record<string, Json>): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    let error: ApiErrorBody['error'] | undefined;
    try {
      error = (JSON.parse(text) as ApiErrorBody).error;
    } catch {
      error = undefined;
    }
    const detail = error?.issues?.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ApiError(response.status, error?.code ?? 'http', `${error?.message ?? `${response.status} ${response.statusText}`}${detail ? ` (${detail})` : ''}`);
  }
  return (text === '' ? null : JSON.parse(text)) as T;
}

const run = (id: string): string => `/v1/runs/${encodeURIComponent(id)}`;
const query = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};

/** The HTTP API, one function per route the dashboard uses (web/src/api/endpoints.ts lists them for the contract test). */
export const api = {
  listRuns: (params: { status?: string; limit?: number; cursor?: string }) => request<RunList>('GET', `/v1/runs${query(params)}`),
  gauges: (runIds: string[]) => request<{ gauges: RunGauge[]; missing: string[] }>('GET', `/v1/gauges${query({ runs: runIds.join(',') })}`),
  getRun: (id: string) => request<RunView>('GET', run(id)),
  getStep: (id: string, step: string) => request<StepDetail>('GET', `${run(id)}/steps/${encodeURIComponent(step)}`),
  ledger: (id: string, after: number, limit: number) => request<LedgerPage>('GET', `${run(id)}/ledger${query({ after, limit })}`),
  verify: (id: string) => request<VerifyResult>('GET', `${run(id)}/verify`),
  artifacts: (id: string) => request<{ artifacts: RunArtifact[] }>('GET', `${run(id)}/artifacts`),
  capabilities: () => request<CapabilityRegistry>('GET', '/v1/capabilities'),
  approve: (id: string, target: string, comment: string) => request<RecordedResponse>('POST', `${run(id)}/approvals`, { target, ...(comment && { comment }) }),
  deny: (id: string, target: string, comment: string) => request<RecordedResponse>('POST', `${run(id)}/denials`, { target, ...(comment && { comment }) }),
  submitResult: (id: string, step: string, output: Json) => request<RecordedResponse>('POST', `${run(id)}/results`, { step, output }),
  pause: (id: string, reason: string) => request<RecordedResponse>('POST', `${run(id)}/pause`, reason ? { reason } : {}),
  resume: (id: string) => request<unknown>('POST', `${run(id)}/resume`, {}),
  abort: (id: string, reason: string) => request<RecordedResponse>('POST', `${run(id)}/abort`, reason ? { reason } : {}),
  cancelStep: (id: string, step: string, reason: string) => request<RecordedResponse>('POST', `${run(id)}/steps/${encodeURIComponent(step)}/cancel`, reason ? { reason } : {}),
  revert: (id: string, to: number) => request<unknown>('POST', `${run(id)}/revert`, { to }),
  routing: (id: string) => request<Record<string, Json>[]>('GET', `${run(id)}/routing`),
  eventsUrl: (id: string) => `${run(id)}/events`,
};

export const authHeaders = headers;
