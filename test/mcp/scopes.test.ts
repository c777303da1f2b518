import { describe, expect, it } from 'vitest';
import { DEFAULT_STDIO_SCOPES, hasScope, parseScopes } from '../../src/mcp/index.js';

describe('MCP scopes', () => {
  it('reads a comma-separated list, once each, and refuses unknown or empty ones with what is valid', () => {
    expect(parseScopes(' read, operate ,read')).toEqual(['read', 'operate']);
    expect(() => parseScopes('read,aprove')).toThrow(
      'unknown scope "aprove" in --scope (did you mean "approve"?); scopes: read, operate, perform, approve, admin',
    );
    expect(() => parseScopes('root')).toThrow(
      'unknown scope "root" in --scope; scopes: read, operate, perform, approve, admin',
    );
    expect(() => parseScopes(' , ')).toThrow(
      '--scope needs at least one scope; scopes: read, operate, perform, approve, admin',
    );
  });

  it('a local client does not approve unless granted; admin may do anything', () => {
    expect(hasScope(DEFAULT_STDIO_SCOPES, 'operate')).toBe(true);
    expect(hasScope(DEFAULT_STDIO_SCOPES, 'approve')).toBe(false);
    expect(hasScope(['admin'], 'approve')).toBe(true);
    expect(hasScope(['approve'], 'read')).toBe(false);
  });
});
