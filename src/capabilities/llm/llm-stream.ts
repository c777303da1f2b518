import { streamText, type FinishReason, type LanguageModelUsage } from 'ai';
import type { Json } from '../../core/index.js';

/** What an attempt keeps of a model's answer, streamed or not. */
export interface ModelAnswer {
  text: string;
  /** The validated object with `output_schema`, else the text. */
  output: Json;
  finishReason: FinishReason;
  totalUsage: LanguageModelUsage;
}

type StreamRequest = Parameters<typeof streamText>[0] & { abortSignal: AbortSignal };

/**
 * Calls the model with `streamText` and hands `reportPartial` the answer written so far, in
 * full, after every piece (with `output_schema`, the JSON text so far). The caller throttles
 * and redacts it: the whole text, not the piece, so a secret split across two pieces is still
 * found. Ends with what `generateText` would have given; a failed call throws the SDK's error
 * (usually an APICallError), as `generateText` does.
 * @example
 * const answer = await streamAnswer({ model, prompt: 'Say hi', abortSignal }, (text) => console.log(text));
 */
export async function streamAnswer(
  request: StreamRequest,
  reportPartial: ((text: string) => void) | undefined,
): Promise<ModelAnswer> {
  // Errors arrive as stream parts and are thrown below; the SDK's default would print them to stderr.
  const result = streamText({ ...request, onError: () => {} });
  let text = '';
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') {
      text += part.text;
      reportPartial?.(text);
    } else if (part.type === 'error') throw part.error;
  }
  // An aborted stream just ends; the caller reads the signal's reason (timeout or cancellation).
  if (request.abortSignal.aborted) throw new Error('the model call was aborted');
  const [finishReason, totalUsage] = await Promise.all([result.finishReason, result.totalUsage]);
  const output = request.output === undefined ? text : ((await result.output) as Json);
  return { text, output, finishReason, totalUsage };
}
