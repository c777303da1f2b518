import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Plan } from '../../src/core/index.js';

/** What the fake answers one request with; taken from the queue in order (the last one repeats). */
export interface FakeReply {
  /** HTTP status; other than 200 the body is an OpenAI error object. Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** The assistant's text. Default `ok`. */
  text?: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** `stop` (default), `length`, `content_filter`. */
  finishReason?: string;
  /** Streamed, the text in these pieces (default: `text` in two halves). */
  deltas?: string[];
  /** Streamed, the pause before each piece after the first, as a model writing slowly (ms). */
  delayMs?: number;
  /** Not streamed, how long the model takes before it answers (ms). */
  latencyMs?: number;
}

/** One request as the fake saw it. */
export interface FakeRequest {
  path: string;
  /** When the request's body had arrived (ms since the epoch): what a provider's per-minute limits count by. */
  at: number;
  headers: IncomingHttpHeaders;
  body: { model?: string; stream?: boolean; messages?: { role: string; content: unknown }[]; [key: string]: unknown };
}

export interface FakeOpenAi {
  /** The base URL to give `base_url` (ends in /v1). */
  url: string;
  requests: FakeRequest[];
  /** Replaces the queue of replies, and forgets the queues of `replyTo`. */
  reply(...replies: FakeReply[]): void;
  /** Gives requests for one model their own queue (the last one repeats), ahead of the shared one. */
  replyTo(model: string, ...replies: FakeReply[]): void;
  close(): Promise<void>;
}

const DEFAULT_USAGE = { prompt_tokens: 10, completion_tokens: 5 };

function completion(model: string, reply: FakeReply): object {
  const usage = reply.usage ?? DEFAULT_USAGE;
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text ?? 'ok' },
        finish_reason: reply.finishReason ?? 'stop',
      },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** The chunks of a streamed answer: the text in its deltas, the finish reason, then usage alone in the final chunk. */
function chunks(model: string, reply: FakeReply, includeUsage: boolean): object[] {
  const text = reply.text ?? 'ok';
  const usage = reply.usage ?? DEFAULT_USAGE;
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model };
  const half = Math.ceil(text.length / 2);
  const pieces = reply.deltas ?? [text.slice(0, half), text.slice(half)];
  const delta = (content: object, finish: string | null) => ({
    ...base,
    choices: [{ index: 0, delta: content, finish_reason: finish }],
  });
  return [
    ...pieces.map((piece, index) => delta({ ...(index === 0 && { role: 'assistant' }), content: piece }, null)),
    delta({}, reply.finishReason ?? 'stop'),
    ...(includeUsage
      ? [{ ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }]
      : []),
  ];
}

/** Writes the chunks, pausing before each text piece after the first (the finish and usage chunks come at once). */
async function writeSlowly(response: ServerResponse, chunkList: object[], delayMs: number): Promise<void> {
  for (const [index, chunk] of chunkList.entries()) {
    const isText = (chunk as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content !== undefined;
    if (delayMs > 0 && index > 0 && isText) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (response.destroyed) return;
    response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  response.end('data: [DONE]\n\n');
}

/**
 * A local server that speaks OpenAI's chat completions wire format, with and without streaming
 * (usage in the final chunk when `stream_options.include_usage` asks for it, pieces as slow as
 * `delayMs` says), scripted per test:
 * each request takes the next reply (status, `retry-after`, text, usage), from its model's own
 * queue when it has one, and is recorded.
 * @example
 * const fake = await startFakeOpenAi(); fake.reply({ status: 429, headers: { 'retry-after': '1' } }, { text: 'hi' });
 */
export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  let queue: FakeReply[] = [{}];
  const byModel = new Map<string, FakeReply[]>();
  const requests: FakeRequest[] = [];
  const server: Server = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as FakeRequest['body'];
      requests.push({ path: request.url ?? '', at: Date.now(), headers: request.headers, body });
      // Requests in parallel (consensus votes) arrive in any order: a model's own queue answers it whatever the order.
      const own = byModel.get(body.model ?? '') ?? queue;
      const reply = (own.length > 1 ? own.shift() : own[0]) ?? {};
      const status = reply.status ?? 200;
      const model = body.model ?? 'fake';
      if (request.url !== '/v1/chat/completions' || status !== 200) {
        const notFound = request.url !== '/v1/chat/completions';
        response.writeHead(notFound ? 404 : status, { 'content-type': 'application/json', ...reply.headers });
        response.end(
          JSON.stringify({
            error: { message: notFound ? `no route ${request.url ?? ''}` : `fake error ${status}`, type: 'fake' },
          }),
        );
        return;
      }
      if (body.stream === true) {
        const options = body.stream_options as { include_usage?: boolean } | undefined;
        response.writeHead(200, { 'content-type': 'text/event-stream', ...reply.headers });
        void writeSlowly(response, chunks(model, reply, options?.include_usage === true), reply.delayMs ?? 0);
        return;
      }
      const answer = (): void => {
        response.writeHead(200, { 'content-type': 'application/json', ...reply.headers });
        response.end(JSON.stringify(completion(model, reply)));
      };
      if (reply.latencyMs === undefined) answer();
      else setTimeout(answer, reply.latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    reply: (...replies) => {
      queue = replies.length > 0 ? replies : [{}];
      byModel.clear();
    },
    replyTo: (model, ...replies) => {
      byModel.set(model, replies.length > 0 ? replies : [{}]);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A plan whose one step streams a model's answer from the fake server (`answer`, skill
 * `compose`), with its key in the environment variable `keyVariable`.
 */
export function streamingPlan(fake: FakeOpenAi, keyVariable: string): Plan {
  return {
    baton: 1,
    name: 'streamed',
    capabilities: {
      model: {
        kind: 'llm',
        provider: 'openai-compatible',
        base_url: fake.url,
        model: 'slow-writer',
        api_key_env: keyVariable,
        stream: true,
        skills: { compose: 1 },
      },
    },
    steps: { answer: { skill: 'compose', input: 'What is the answer?' } },
  } as unknown as Plan;
}
