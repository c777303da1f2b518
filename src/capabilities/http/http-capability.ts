import type { HttpCapability, Json, Plan } from '../../core/index.js';
import {
  BATON_HTTP_HEADERS,
  HTTP_DEFAULT_MAX_RESPONSE_BYTES,
  durationToMs,
  numberInputs,
  renderArgument,
  urlOutsideScope,
  urlProblem,
  type CapabilityDescriptor,
  type StepError,
} from '../../core/index.js';
import { redact, type Secret } from '../../engine/secrets/index.js';
import { AbortReason, CapabilityFailure, type CapabilityRunner, type Invocation } from '../types.js';
import { bodyText, readBodyWithin, responseOutput, retryAfterMs } from './http-response.js';
import { requestSignature } from './http-signature.js';

/** How much of a failed response's body is read, and how much of it the failure message quotes. */
const ERROR_BODY_BYTES = 4 * 1024;
const MESSAGE_EXCERPT_CHARS = 200;

/** What the request needs from the environment: header values and the signing key, with their variables' names. */
interface Credentials {
  headers: [name: string, secret: Secret][];
  signingKey: Secret | undefined;
}

function fail(error: StepError): never {
  throw new CapabilityFailure(error);
}

/** Reads every variable the config names now, failing on the first that is unset, by its name (never its value). */
function readCredentials(config: HttpCapability): Credentials {
  const read = (variable: string, what: string): Secret => {
    const value = process.env[variable];
    if (value === undefined || value === '')
      fail({
        type: 'missing_env',
        message: `${what} needs the environment variable ${variable}, which is not set`,
        retryable: false,
        detail: { variable },
      });
    return { name: variable, value };
  };
  return {
    headers: Object.entries(config.headers_env ?? {}).map(([name, variable]) => [
      name,
      read(variable, `header "${name}"`),
    ]),
    signingKey: config.secret_env === undefined ? undefined : read(config.secret_env, 'the request signature'),
  };
}

/** The URL to request: rendered, an http(s) URL, and within the step's scope; checked before any request. */
function targetUrl(config: HttpCapability, invocation: Invocation, doubleInputs: ReadonlySet<string>): URL {
  let text: string;
  try {
    text = renderArgument(config.url, { input: invocation.input, inputs: invocation.inputs, doubleInputs });
  } catch (error) {
    fail({ type: 'expression', message: `url: ${(error as Error).message}`, retryable: false });
  }
  const problem = urlProblem(text);
  if (problem !== null)
    fail({ type: 'bad_url', message: `url "${text}": ${problem}`, retryable: false, detail: { url: text } });
  const url = new URL(text);
  const outside = invocation.scope === null ? null : urlOutsideScope(url, invocation.scope);
  if (outside !== null)
    // Not retryable: the same plan renders the same URL again.
    fail({
      type: 'scope',
      message: outside,
      retryable: false,
      detail: { url: `${url.origin}${url.pathname}`, scope: [...(invocation.scope ?? [])] },
    });
  return url;
}

function requestHeaders(credentials: Credentials, invocation: Invocation, body: Uint8Array | undefined): Headers {
  const headers = new Headers();
  for (const [name, secret] of credentials.headers) {
    try {
      headers.set(name, secret.value);
    } catch {
      // The client's message would quote the value.
      fail({
        type: 'bad_header',
        message: `header "${name}": the value of ${secret.name} is not a valid header value (a line break or control character?)`,
        retryable: false,
      });
    }
  }
  if (body !== undefined) headers.set('Content-Type', 'application/json');
  headers.set(BATON_HTTP_HEADERS.idempotencyKey, invocation.idempotencyKey);
  // W3C trace context: the endpoint's own tracing joins the run's trace (its id is the run's correlation id).
  if (invocation.traceparent !== undefined) headers.set('traceparent', invocation.traceparent);
  if (credentials.signingKey !== undefined) {
    const timestamp = Math.floor(Date.now() / 1000);
    headers.set(BATON_HTTP_HEADERS.timestamp, String(timestamp));
    headers.set(
      BATON_HTTP_HEADERS.signature,
      requestSignature(credentials.signingKey.value, timestamp, body ?? new Uint8Array()),
    );
  }
  return headers;
}

function abortFailure(signal: AbortSignal): StepError {
  const reason = signal.reason as AbortReason;
  if (reason === AbortReason.timeout) return { type: 'timeout', message: 'timed out', retryable: true };
  const message = reason === AbortReason.shutdown ? 'stopped because the engine shut down' : 'cancelled';
  return { type: 'cancelled', message, retryable: false };
}

/** Why fetch failed without a response, from undici's cause (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...). */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

/** A failed response: 429 and 5xx are worth a retry, other statuses are the request's fault and are not. */
async function statusFailure(response: Response, shown: string, secrets: readonly Secret[]): Promise<StepError> {
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => {});
    const location = response.headers.get('location');
    return {
      type: 'http_redirect',
      message: `${shown} answered ${status}${location ? ` to ${location}` : ''}; redirects are not followed (their target is not checked against the scope)`,
      retryable: false,
      detail: { status: response.status, ...(location !== null && { location }) },
    };
  }
  const read = await readBodyWithin(response, ERROR_BODY_BYTES).catch(() => ({ tooLarge: true as const }));
  // Redacted before it is cut, so the cut cannot leave a piece of a secret that no longer matches.
  const body = read.tooLarge ? '' : redact(bodyText(read.bytes), secrets);
  const excerpt = body.replace(/\s+/g, ' ').trim().slice(0, MESSAGE_EXCERPT_CHARS);
  const retryAfter = retryAfterMs(response.headers.get('retry-after'), Date.now());
  return {
    type: 'http_status',
    message: `${shown} answered ${status}${excerpt ? `: ${excerpt}` : ''}`,
    retryable: response.status === 429 || response.status >= 500,
    detail: { status: response.status, body, ...(retryAfter !== undefined && { retryAfterMs: retryAfter }) },
  };
}

async function request(
  config: HttpCapability,
  invocation: Invocation,
  doubleInputs: ReadonlySet<string>,
): Promise<Json> {
  const url = targetUrl(config, invocation, doubleInputs);
  const credentials = readCredentials(config);
  const method = config.method ?? 'POST';
  const body = method === 'GET' ? undefined : new TextEncoder().encode(JSON.stringify(invocation.input));
  const headers = requestHeaders(credentials, invocation, body);
  const secrets = [
    ...credentials.headers.map(([, secret]) => secret),
    ...(credentials.signingKey ? [credentials.signingKey] : []),
  ];
  // Without the query: it is shown in errors and the ledger, and a query may carry what the input put there.
  const shown = `${method} ${url.origin}${url.pathname}`;
  const limit = config.max_response_bytes ?? HTTP_DEFAULT_MAX_RESPONSE_BYTES;
  let response: Response;
  try {
    // A redirect's target would escape the scope check: it is a failure, never followed.
    response = await fetch(url, { method, headers, body, signal: invocation.signal, redirect: 'manual' });
  } catch (error) {
    if (invocation.signal.aborted) fail(abortFailure(invocation.signal));
    fail({ type: 'network', message: `${shown} failed: ${networkReason(error)}`, retryable: true });
  }
  try {
    if (response.status < 200 || response.status >= 300) fail(await statusFailure(response, shown, secrets));
    const read = await readBodyWithin(response, limit);
    if (read.tooLarge)
      fail({
        type: 'response_too_large',
        message: `${shown} answered with a body over ${limit} bytes (max_response_bytes); reading stopped there`,
        retryable: false,
      });
    try {
      return responseOutput(read.bytes, response.headers.get('content-type'));
    } catch (error) {
      return fail({
        type: 'bad_response',
        message: `${shown} answered ${response.status} with a body that says it is JSON and is not: ${(error as Error).message}`,
        retryable: false,
      });
    }
  } catch (error) {
    if (error instanceof CapabilityFailure) throw error;
    if (invocation.signal.aborted) fail(abortFailure(invocation.signal));
    fail({ type: 'network', message: `${shown}: the response broke off: ${networkReason(error)}`, retryable: true });
  }
}

/**
 * Runs an `http` capability: the step's input as a JSON body (none for GET) to its URL, rendered
 * per attempt and refused before any request when it is outside the step's scope. Every request
 * carries `Idempotency-Key` (the attempt's key, the same across retries), the headers of
 * `headers_env` read from the environment now, and with `secret_env` a `Baton-Timestamp` and an
 * HMAC `Baton-Signature` (http-signature.ts), and the run's W3C `traceparent`. 2xx is the output (JSON when it says so, else text);
 * 429, 5xx and network errors fail retryably; redirects and other statuses do not.
 */
export function httpRunner(id: string, config: HttpCapability, declaredInputs?: Plan['inputs']): CapabilityRunner {
  const descriptor: CapabilityDescriptor = {
    id,
    kind: 'http',
    skills: config.skills,
    ...(config.description !== undefined && { description: config.description }),
    ...(config.timeout !== undefined && { timeoutMs: durationToMs(config.timeout) }),
  };
  const doubleInputs = numberInputs(declaredInputs);
  return { descriptor, invoke: (invocation) => request(config, invocation, doubleInputs) };
}
