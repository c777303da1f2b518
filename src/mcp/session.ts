import type { Baton } from '../engine/index.js';
import type { Scope } from './scopes.js';

/** One MCP client's session: the workspace it works on, what it may do, and who it is. */
export interface McpSession {
  baton: Baton;
  scopes: readonly Scope[];
  /** Who the client acts as: recorded as `by` in every event a tool appends (`mcp:alice@host`, `api:ci-token`). */
  principal: string;
  /** Where internal errors are logged with their stack. Over stdio this must not be stdout, which carries the protocol. */
  log?: (line: string) => void;
}
