import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type Database from 'better-sqlite3';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { actStatement, keyIdOf, signStatement, type Plan } from '../../src/index.js';
import { SIGNING_KEYS_ID } from '../../src/ledger/index.js';
import { createMcpServer } from '../../src/mcp/index.js';
import { expectDocumented, expectError, startServer, storeSnapshot, waitFor, type Server } from '../server/harness.js';

const PLAN = {
  baton: 1,
  name: 'signed',
  phases: ['build', { id: 'ship', gate: { all: [{ approval: true }], override: { approval_by: ['alice'] } } }],
  steps: {
    build: { skill: 'work', phase: 'build', input: 'built' },
    deploy: { skill: 'work', phase: 'ship', after: ['build'], input: 'go' },
  },
} as Plan;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serve(): Promise<Server> {
  const server = await startServer();
  cleanup.push(() => server.baton.close());
  return server;
}

function keyPair(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

async function waitingAtGate(server: Server) {
  const handle = await server.baton.submit(PLAN, { wait: true });
  await waitFor(
    () => handle.state.pending.has('gate:ship'),
    (pending) => pending,
    'the gate of ship to be pending',
  );
  cleanup.push(async () => void (await handle.interrupt()));
  return handle;
}

async function mcpClient(server: Server, principal: string): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const mcp = createMcpServer({ baton: server.baton, scopes: ['read', 'approve'], principal });
  await mcp.connect(serverSide);
  const client = new Client({ name: 'signing-test', version: '1.0.0' });
  await client.connect(clientSide);
  cleanup.push(async () => {
    await client.close();
    await mcp.close();
  });
  return client;
}

describe('signed decisions', () => {
  it('registers keys in the workspace ledger, refuses a bad PEM, a taken name or key, an unknown or revoked name', async () => {
    const { baton } = await serve();
    const alice = keyPair();
    const key = await baton.keys.register({
      name: 'alice-1',
      principal: 'alice',
      publicKey: alice.publicPem,
      by: 'ops',
    });
    expect(key).toMatchObject({
      name: 'alice-1',
      principal: 'alice',
      keyId: keyIdOf(alice.privateKey),
      revokedAt: null,
    });
    const entries = await baton.store.readWorkspaceLedger({ runId: SIGNING_KEYS_ID });
    expect(entries.map((entry) => entry.type)).toEqual(['key.registered']);

    await expect(
      baton.keys.register({ name: 'bad', principal: 'alice', publicKey: 'not a key', by: 'ops' }),
    ).rejects.toThrow(/the public key is not an Ed25519 public key/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' });
    await expect(
      baton.keys.register({ name: 'rsa', principal: 'alice', publicKey: rsa as string, by: 'ops' }),
    ).rejects.toThrow(/it is a rsa key/);
    await expect(
      baton.keys.register({ name: 'alice-1', principal: 'bob', publicKey: keyPair().publicPem, by: 'ops' }),
    ).rejects.toThrow('a key named "alice-1" is registered already');
    await expect(
      baton.keys.register({ name: 'again', principal: 'bob', publicKey: alice.publicPem, by: 'ops' }),
    ).rejects.toThrow('this public key is registered already, as "alice-1" for alice');
    await expect(baton.keys.revoke('nobody', { by: 'ops' })).rejects.toThrow(
      'a signing key named "nobody" (keys: alice-1)',
    );
    const revoked = await baton.keys.revoke('alice-1', { by: 'ops', reason: 'laptop lost' });
    expect(revoked).toMatchObject({ name: 'alice-1', revokedReason: 'laptop lost' });
    expect(revoked.revokedAt).not.toBeNull();
    await expect(baton.keys.revoke('alice-1', { by: 'ops' })).rejects.toThrow('key "alice-1" was revoked already');
    // Refusals wrote nothing: one registration, one revocation, chained with the rest of the workspace ledger.
    const after = await baton.store.readWorkspaceLedger({ runId: SIGNING_KEYS_ID });
    expect(after.map((entry) => entry.type)).toEqual(['key.registered', 'key.revoked']);
    expect((await baton.verifyWorkspace()).ledger.ok).toBe(true);
  });

  it('refuses an unsigned, foreign, revoked or mismatched approval by a keyed principal; records and verifies a signed one', async () => {
    const server = await serve();
    const { baton } = server;
    const alice = keyPair();
    const bob = keyPair();
    await baton.keys.register({ name: 'alice-1', principal: 'alice', publicKey: alice.publicPem, by: 'ops' });
    await baton.keys.register({ name: 'bob-1', principal: 'bob', publicKey: bob.publicPem, by: 'ops' });
    const old = keyPair();
    await baton.keys.register({ name: 'alice-0', principal: 'alice', publicKey: old.publicPem, by: 'ops' });
    await baton.keys.revoke('alice-0', { by: 'ops', reason: 'rotated' });
    const handle = await waitingAtGate(server);
    const runId = handle.runId;
    const before = await storeSnapshot(baton);
    const oldStatement = await baton.actStatement(runId, 'ship', 'approved', {
      by: 'alice',
      keyId: keyIdOf(old.privateKey),
    });
    await expect(
      baton.approve(runId, 'ship', { by: 'alice', signature: signStatement(oldStatement, old.privateKey) }),
    ).rejects.toThrow(/the signature's key "alice-0" was revoked at .* \(rotated\)/);

    await expect(baton.approve(runId, 'ship', { by: 'alice' })).rejects.toThrow(
      /^refused: alice has signing key "alice-1" \([0-9a-f]{16}\) registered, so an approval by alice must be signed/,
    );
    await expect(baton.override(runId, 'ship', 'urgent', { by: 'alice' })).rejects.toThrow(
      /^refused: alice has signing key "alice-1" \([0-9a-f]{16}\) registered, so an override by alice must be signed/,
    );
    const bobsStatement = await baton.actStatement(runId, 'ship', 'approved', {
      by: 'alice',
      keyId: keyIdOf(bob.privateKey),
    });
    await expect(
      baton.approve(runId, 'ship', { by: 'alice', signature: signStatement(bobsStatement, bob.privateKey) }),
    ).rejects.toThrow('the signature\'s key "bob-1" is registered for bob, not for alice');
    const statement = await baton.actStatement(runId, 'ship', 'approved', {
      by: 'alice',
      keyId: keyIdOf(alice.privateKey),
    });
    // Signed over another comment than the one sent: the statement the engine rebuilds differs.
    await expect(
      baton.approve(runId, 'ship', {
        by: 'alice',
        comment: 'slipped in',
        signature: signStatement(statement, alice.privateKey),
      }),
    ).rejects.toThrow(/the signature by key "alice-1" does not match the act's statement/);
    expect(await storeSnapshot(baton)).toBe(before);

    // The statement is the documented canonical form over what the decision binds.
    expect(JSON.parse(statement)).toMatchObject({
      statement: 'baton.act/1',
      runId,
      decision: 'gate:ship',
      verdict: 'approved',
      by: 'alice',
      comment: null,
      keyId: keyIdOf(alice.privateKey),
    });

    const signature = signStatement(statement, alice.privateKey);
    const event = await baton.approve(runId, 'ship', { by: 'alice', signature });
    expect(event.type === 'decision.made' && event.data.signature).toEqual(signature);
    expect((await handle.result()).status).toBe('succeeded');
    const made = (await baton.events(runId)).filter((e) => e.type === 'decision.made');
    expect(made.map((e) => e.data)).toEqual([
      expect.objectContaining({ id: 'gate:ship', verdict: 'approved', by: 'alice', signature }),
    ]);
    const recorded = made[0];
    expect(
      recorded?.type === 'decision.made' &&
        actStatement({
          runId,
          decision: 'gate:ship',
          verdict: 'approved',
          by: 'alice',
          comment: null,
          evidence: recorded.data.evidence ?? null,
          keyId: signature.keyId,
        }),
    ).toBe(statement);
    expect(await baton.verify(runId)).toMatchObject({ ok: true });

    // Revoking the key later does not undo what it signed while it was in force.
    await baton.keys.revoke('alice-1', { by: 'ops' });
    expect(await baton.verify(runId)).toMatchObject({ ok: true });
  });

  it('verify fails once the key entry a recorded signature rests on is altered', async () => {
    const server = await serve();
    const { baton } = server;
    const alice = keyPair();
    await baton.keys.register({ name: 'alice-1', principal: 'alice', publicKey: alice.publicPem, by: 'ops' });
    const handle = await waitingAtGate(server);
    const keyId = keyIdOf(alice.privateKey);
    const statement = await baton.actStatement(handle.runId, 'ship', 'approved', { by: 'alice', keyId });
    await baton.approve(handle.runId, 'ship', { by: 'alice', signature: signStatement(statement, alice.privateKey) });
    expect((await handle.result()).status).toBe('succeeded');
    const seq = (await baton.events(handle.runId)).find((e) => e.type === 'decision.made')?.seq;

    // A key entry edited in place (another principal, the hash left as it was).
    const db = (baton.store as unknown as { db: Database.Database }).db;
    db.prepare(`UPDATE workspace_ledger SET data = replace(data, '"alice"', '"mallory"') WHERE run_id = ?`).run(
      SIGNING_KEYS_ID,
    );
    expect(await baton.verify(handle.runId)).toMatchObject({
      ok: false,
      seq,
      reason: expect.stringContaining("the workspace ledger's key entry 1 (key.registered) does not match its hash"),
    });
  });

  it('HTTP and MCP: the statement to sign, a signature accepted, refused, or missing for a keyed principal (403, nothing written)', async () => {
    const server = await serve();
    const { baton } = server;
    const approver = keyPair();
    await baton.keys.register({
      name: 'approver-token',
      principal: 'token:approve',
      publicKey: approver.publicPem,
      by: 'ops',
    });
    const reviewer = keyPair();
    await baton.keys.register({
      name: 'reviewer',
      principal: 'mcp:reviewer',
      publicKey: reviewer.publicPem,
      by: 'ops',
    });
    const first = await waitingAtGate(server);
    const keyId = keyIdOf(approver.privateKey);
    const before = await storeSnapshot(baton);

    const missing = await expectError(
      await server.call('POST', `/v1/runs/${first.runId}/approvals`, {
        token: server.tokens.approve,
        body: { target: 'ship' },
      }),
      403,
      'forbidden',
    );
    expect(missing.message).toContain('token:approve has signing key "approver-token"');
    const wrong = await expectError(
      await server.call('POST', `/v1/runs/${first.runId}/approvals`, {
        token: server.tokens.approve,
        body: { target: 'ship', signature: signStatement('something else', approver.privateKey) },
      }),
      403,
      'forbidden',
    );
    expect(wrong.message).toContain("does not match the act's statement");
    await expectError(
      await server.call('POST', `/v1/runs/${first.runId}/approvals`, {
        token: server.tokens.approve,
        body: { target: 'ship', signature: { keyId: 'nothex', value: 'x' } },
      }),
      400,
      'bad_input',
    );
    expect(await storeSnapshot(baton)).toBe(before);

    const { statement } = (await expectDocumented(
      server,
      'actStatement',
      await server.call('POST', `/v1/runs/${first.runId}/statements`, {
        token: server.tokens.approve,
        body: { target: 'ship', verdict: 'approved', keyId, comment: 'checked' },
      }),
      200,
    )) as { statement: string };
    expect(JSON.parse(statement)).toMatchObject({ by: 'token:approve', comment: 'checked', keyId });
    const signature = signStatement(statement, approver.privateKey);
    const accepted = (await expectDocumented(
      server,
      'approve',
      await server.call('POST', `/v1/runs/${first.runId}/approvals`, {
        token: server.tokens.approve,
        body: { target: 'ship', comment: 'checked', signature },
      }),
      202,
    )) as { event: { data: { signature: unknown } } };
    expect(accepted.event.data.signature).toEqual(signature);
    expect((await first.result()).status).toBe('succeeded');
    const view = (await expectDocumented(
      server,
      'getRun',
      await server.call('GET', `/v1/runs/${first.runId}`, { token: server.tokens.read }),
      200,
    )) as { approvals: unknown[] };
    expect(view.approvals).toEqual([
      expect.objectContaining({ id: 'gate:ship', by: 'token:approve', comment: 'checked', keyId }),
    ]);
    expect(await baton.verify(first.runId)).toMatchObject({ ok: true });

    // MCP: the reviewer's key signs; without it, approve is refused and nothing is written.
    const second = await waitingAtGate(server);
    const client = await mcpClient(server, 'mcp:reviewer');
    const refused = await client.callTool({ name: 'approve', arguments: { runId: second.runId, target: 'ship' } });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain('mcp:reviewer has signing key \\"reviewer\\"');
    const asked = await client.callTool({
      name: 'act_statement',
      arguments: { runId: second.runId, target: 'ship', verdict: 'approved', keyId: keyIdOf(reviewer.privateKey) },
    });
    expect(asked.isError).toBeFalsy();
    const mcpStatement = (asked.structuredContent as { statement: string }).statement;
    const foreign = await client.callTool({
      name: 'approve',
      arguments: { runId: second.runId, target: 'ship', signature: signStatement(mcpStatement, approver.privateKey) },
    });
    expect(foreign.isError).toBe(true);
    expect(JSON.stringify(foreign.content)).toContain('is registered for token:approve, not for mcp:reviewer');
    expect((await baton.events(second.runId)).some((e) => e.type === 'decision.made')).toBe(false);
    const approved = await client.callTool({
      name: 'approve',
      arguments: { runId: second.runId, target: 'ship', signature: signStatement(mcpStatement, reviewer.privateKey) },
    });
    expect(approved.isError).toBeFalsy();
    expect((await second.result()).status).toBe('succeeded');
    expect(await baton.verify(second.runId)).toMatchObject({ ok: true });
  });
});
