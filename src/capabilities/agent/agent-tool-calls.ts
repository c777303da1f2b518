import { createHash } from 'node:crypto';
import { canonicalJson, type ToolCallRecord } from '../../core/index.js';

/**
 * sha256 (hex) of a tool call's arguments as canonical JSON: two calls with the same arguments
 * get the same hash whatever their key order, and the ledger never holds the arguments themselves.
 * @example argumentsHash({ path: '/tmp/a' }) // '5f1c...'
 */
export function argumentsHash(args: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(args ?? null))
    .digest('hex');
}

/**
 * The tool calls of one attempt, kept until each model step ends and then reported in the
 * order the model made them (a step's calls run at once, so they end in any order). Calls of a
 * step cut short (timeout, cancellation) are reported by `flush`, in the order they started.
 */
export class ToolCallLog {
  private readonly pending = new Map<string, ToolCallRecord>();

  constructor(private readonly report: (call: ToolCallRecord) => void) {}

  /** Keeps the record of a call by its id, until its step ends. */
  settle(toolCallId: string, call: ToolCallRecord): void {
    this.pending.set(toolCallId, call);
  }

  /**
   * Reports the calls of a finished step in the model's order; a call that never ran here (a
   * tool the model is not offered, or arguments it could not send) is reported as refused.
   */
  endStep(
    calls: readonly { toolCallId: string; toolName: string; input: unknown }[],
    serverOf: (name: string) => ToolName,
    refusalOf: (name: ToolName) => string = () => 'not a tool this agent may call (its tools allow-list)',
  ): void {
    for (const call of calls) {
      const settled = this.pending.get(call.toolCallId);
      this.pending.delete(call.toolCallId);
      const { server, tool } = serverOf(call.toolName);
      this.report(
        settled ?? {
          tool,
          server,
          argumentsHash: argumentsHash(call.input),
          outcome: 'refused',
          durationMs: 0,
          reason: refusalOf({ server, tool }),
        },
      );
    }
  }

  /** Reports what is still kept: the calls of a step that did not end. */
  flush(): void {
    for (const call of this.pending.values()) this.report(call);
    this.pending.clear();
  }
}

/** A tool as the ledger names it: the server's name in the agent's config, and the tool's own name. */
export interface ToolName {
  server: string;
  tool: string;
}
