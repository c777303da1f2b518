import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../../src/core/index.js';
import { createBaton, hashSecret, parseScopes } from '../../src/engine/index.js';
import { tempDir } from '../support/temp.js';

describe('API tokens', () => {
  it('are created with a secret shown once, and only its hash is stored', async () => {
    const home = tempDir();
    const baton = await createBaton({ home });
    const { token, secret } = await baton.tokens.create({ name: 'ci', scopes: ['operate', 'read'] });
    expect(secret).toMatch(/^baton_[A-Za-z0-9_-]{43}$/);
    expect(token).toEqual({
      id: expect.stringMatching(/^tok_[0-9a-f]{12}$/),
      name: 'ci',
      scopes: ['read', 'operate'],
      createdAt: expect.any(String),
      revokedAt: null,
    });
    await baton.close();
    const db = new Database(join(home, 'baton.db'));
    const rows = db.prepare('SELECT * FROM api_tokens').all();
    db.close();
    expect(rows).toEqual([expect.objectContaining({ name: 'ci', secret_hash: hashSecret(secret) })]);
    expect(JSON.stringify(rows)).not.toContain(secret.slice('baton_'.length));
  });

  it('keep the role a token was made for beside its scopes, in the store and in every answer', async () => {
    const home = tempDir();
    const baton = await createBaton({ home });
    const { token, secret } = await baton.tokens.create({ name: 'gov', scopes: ['read', 'approve'], role: 'governor' });
    expect(token).toMatchObject({ name: 'gov', scopes: ['read', 'approve'], role: 'governor' });
    const { token: plain } = await baton.tokens.create({ name: 'ops', scopes: ['operate'] });
    expect(plain).not.toHaveProperty('role');
    expect(await baton.tokens.authenticate(secret)).toEqual({ ok: true, token });
    expect((await baton.tokens.list()).map((each) => [each.name, each.role ?? null])).toEqual([
      ['gov', 'governor'],
      ['ops', null],
    ]);
    expect(await baton.tokens.revoke('gov')).toMatchObject({ role: 'governor', revokedAt: expect.any(String) });
    await baton.close();
    const db = new Database(join(home, 'baton.db'));
    const rows = db.prepare('SELECT name, role FROM api_tokens ORDER BY rowid').all();
    db.close();
    expect(rows).toEqual([
      { name: 'gov', role: 'governor' },
      { name: 'ops', role: null },
    ]);
  });

  it('authenticate the secret, and refuse an unknown, malformed or revoked one with a reason', async () => {
    const baton = await createBaton({ home: tempDir() });
    const { token, secret } = await baton.tokens.create({ scopes: ['read'] });
    expect(token.name).toBe(token.id);
    expect(await baton.tokens.authenticate(secret)).toEqual({ ok: true, token });
    expect(await baton.tokens.authenticate(`${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`)).toEqual({
      ok: false,
      reason: 'the bearer token is unknown to this workspace',
    });
    expect(await baton.tokens.authenticate('hunter2')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not a Baton token'),
    });
    await baton.tokens.revoke(token.id);
    expect(await baton.tokens.authenticate(secret)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('was revoked at'),
    });
    await expect(baton.tokens.revoke(token.id)).rejects.toBeInstanceOf(ConflictError);
    await expect(baton.tokens.revoke('nobody')).rejects.toBeInstanceOf(NotFoundError);
    expect(await baton.tokens.any()).toBe(false);
    await baton.close();
  });

  it('refuse bad scopes and names, and a name in use, writing nothing', async () => {
    const baton = await createBaton({ home: tempDir() });
    expect(parseScopes(' read, admin ')).toEqual(['read', 'admin']);
    expect(() => parseScopes('read,write')).toThrow(
      'unknown scope "write"; scopes are read, operate, perform, approve, admin (comma-separated, for example read,operate)',
    );
    expect(() => parseScopes('')).toThrow(/no scope was given/);
    await expect(baton.tokens.create({ name: 'has space', scopes: ['read'] })).rejects.toThrow(
      /token name "has space" is not valid/,
    );
    await expect(baton.tokens.create({ name: 'tok_mine', scopes: ['read'] })).rejects.toThrow(/not starting with tok_/);
    await baton.tokens.create({ name: 'ci', scopes: ['read'] });
    await expect(baton.tokens.create({ name: 'ci', scopes: ['admin'] })).rejects.toBeInstanceOf(ConflictError);
    expect((await baton.tokens.list()).map((t) => [t.name, t.scopes])).toEqual([['ci', ['read']]]);
    await baton.close();
  });
});
