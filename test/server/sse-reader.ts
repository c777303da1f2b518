export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/**
 * Reads server-sent events from a response until `count` messages have come (then it hangs
 * up, as a client that goes away does) or the stream ends. `onComment` sees comment lines.
 */
export async function readSse(
  response: Response,
  count: number,
  options: { onComment?: (text: string) => void; timeoutMs?: number } = {},
): Promise<SseMessage[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const messages: SseMessage[] = [];
  let buffer = '';
  const deadline = setTimeout(() => void reader.cancel(), options.timeoutMs ?? 10_000);
  try {
    while (messages.length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0 && messages.length < count) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const message: SseMessage = { id: undefined, event: undefined, data: '' };
        let isMessage = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) options.onComment?.(line.slice(1).trim());
          else if (line.startsWith('id: ')) message.id = line.slice(4);
          else if (line.startsWith('event: ')) message.event = line.slice(7);
          else if (line.startsWith('data: ')) {
            message.data += (isMessage ? '\n' : '') + line.slice(6);
            isMessage = true;
          }
        }
        if (isMessage) messages.push(message);
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => undefined);
  }
  return messages;
}
