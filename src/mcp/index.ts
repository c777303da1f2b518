export { createMcpServer } from './server.js';
export { handleMcpHttp } from './http.js';
export { DEFAULT_STDIO_SCOPES, hasScope, parseScopes, Scope, SCOPES, ScopeError } from './scopes.js';
export type { McpSession } from './session.js';
