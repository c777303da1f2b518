import type { Json } from '../../core/index.js';

/** What a `tools/call` answers (`content`, `structuredContent`, `isError`), read field by field. */
export type ToolResult = Readonly<Record<string, unknown>>;

function contentItems(result: ToolResult): unknown[] {
  return Array.isArray(result.content) ? result.content : [];
}

function textOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { type, text } = item as { type?: unknown; text?: unknown };
  return type === 'text' && typeof text === 'string' ? text : undefined;
}

/**
 * A tool's answer as the step's output: its structured content when it gives one (the typed
 * result its output schema promises), else its text blocks joined by newlines, else (images,
 * resources) the content blocks as they came; null when it gave nothing.
 * @example toolOutput({ content: [{ type: 'text', text: 'Echo: hi' }] }) // 'Echo: hi'
 */
export function toolOutput(result: ToolResult): Json {
  if (result.structuredContent !== undefined) return result.structuredContent as Json;
  // A server of the 2024-10-07 protocol answers with `toolResult` instead of content blocks.
  if ('toolResult' in result) return result.toolResult as Json;
  const items = contentItems(result);
  if (items.length === 0) return null;
  const texts = items.map(textOf);
  if (texts.every((text) => text !== undefined)) return texts.join('\n');
  return items as Json;
}

/**
 * What a tool that failed said about it: its text blocks, for the step's error message.
 * @example toolErrorText({ content: [{ type: 'text', text: 'Access denied' }], isError: true }) // 'Access denied'
 */
export function toolErrorText(result: ToolResult): string {
  const text = contentItems(result)
    .map(textOf)
    .filter((line) => line !== undefined)
    .join('\n')
    .trim();
  return text === '' ? 'the tool reported an error and said nothing about it' : text;
}
