import { ENDPOINTS, type EndpointName } from './endpoints.js';
import type {
  ApiErrorBody,
  CapabilityRegistry,
  RunGauge,
  Json,
  LedgerPage,
  RecordedResponse,
  RunArtifact,
  RunList,
  RunView,
  StepDetail,
  VerifyResult,
} from './types.js';

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
    throw new ApiError(
      response.status,
      error?.code ?? 'http',
      `${error?.message ?? `${response.status} ${response.statusText}`}${detail ? ` (${detail})` : ''}`,
    );
  }
  return (text === '' ? null : JSON.parse(text)) as T;
}

/** An endpoint's path with its `{name}` parameters filled in (each encoded) and a query string. */
function pathOf(
  name: EndpointName,
  params: Record<string, string> = {},
  search: Record<string, string | number | undefined> = {},
): string {
  const path = ENDPOINTS[name].path.replace(/\{([A-Za-z0-9]+)\}/g, (_match, key: string) =>
    encodeURIComponent(params[key] ?? ''),
  );
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(search))
    if (value !== undefined && value !== '') query.set(key, String(value));
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** The HTTP API, one function per route in ENDPOINTS (which test/web/api-contract.test.ts holds to /openapi.json). */
export const api = {
  listRuns: (search: { status?: string; q?: string; limit?: number; cursor?: string }) =>
    request<RunList>('GET', pathOf('listRuns', {}, search)),
  gauges: (runIds: string[]) =>
    request<{ gauges: RunGauge[]; missing: string[] }>('GET', pathOf('gauges', {}, { runs: runIds.join(',') })),
  getRun: (id: string) => request<RunView>('GET', pathOf('getRun', { id })),
  getStep: (id: string, step: string) => request<StepDetail>('GET', pathOf('getStep', { id, step })),
  ledger: (id: string, after: number, limit: number) =>
    request<LedgerPage>('GET', pathOf('ledger', { id }, { after, limit })),
  verify: (id: string) => request<VerifyResult>('GET', pathOf('verify', { id })),
  artifacts: (id: string) => request<{ artifacts: RunArtifact[] }>('GET', pathOf('artifacts', { id })),
  routing: (id: string) => request<Record<string, Json>[]>('GET', pathOf('routing', { id })),
  stateMarkdown: async (id: string): Promise<string> => {
    const response = await fetch(pathOf('stateMarkdown', { id }), { headers: headers() });
    if (!response.ok)
      throw new ApiError(response.status, 'http', `the pipeline state could not be read (${response.status})`);
    return response.text();
  },
  capabilities: () => request<CapabilityRegistry>('GET', pathOf('capabilities')),
  approve: (id: string, target: string, comment: string) =>
    request<RecordedResponse>('POST', pathOf('approve', { id }), { target, ...(comment && { comment }) }),
  deny: (id: string, target: string, comment: string) =>
    request<RecordedResponse>('POST', pathOf('deny', { id }), { target, ...(comment && { comment }) }),
  submitResult: (id: string, step: string, output: Json) =>
    request<RecordedResponse>('POST', pathOf('submitResult', { id }), { step, output }),
  pause: (id: string, reason: string) =>
    request<RecordedResponse>('POST', pathOf('pause', { id }), reason ? { reason } : {}),
  resume: (id: string) => request<unknown>('POST', pathOf('resume', { id }), {}),
  abort: (id: string, reason: string) =>
    request<RecordedResponse>('POST', pathOf('abort', { id }), reason ? { reason } : {}),
  revert: (id: string, to: number) => request<unknown>('POST', pathOf('revert', { id }), { to }),
  cancelStep: (id: string, step: string, reason: string) =>
    request<RecordedResponse>('POST', pathOf('cancelStep', { id, step }), reason ? { reason } : {}),
  eventsUrl: (id: string) => pathOf('events', { id }),
  /** An artifact's bytes: fetched with the token (a plain link would go without it), then saved under its name. */
  downloadArtifact: async (sha256: string, name: string): Promise<void> => {
    const response = await fetch(pathOf('artifact', { sha256 }), { headers: headers() });
    if (!response.ok)
      throw new ApiError(response.status, 'http', `the artifact could not be fetched (${response.status})`);
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = name.split('/').pop() ?? name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};

export const authHeaders = headers;
