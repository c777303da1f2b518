import { describe, expect, it } from 'vitest';
import { ConflictError, type BatonEvent } from '../../../src/core/index.js';
import type { ContextEntry, LedgerStore, WorkspaceStore } from '../../../src/store/index.js';
import { type Closable, AT, appendTo, createRun, token } from './fixtures.js';

/**
 * The WorkspaceStore port's contract: context entries numbered per kind and completed once, API tokens kept by
 * the hash of their secret.
 * Every adapter runs it through `describeStore` (../conformance.ts); the other ports named in its store's type
 * are what the tests need to set a case up (work enters the queue and runs exist only through appends).
 */
export function describeWorkspaceStore(
  name: string,
  makeStore: () => Promise<LedgerStore & WorkspaceStore & Closable>,
): void {
  describe(`WorkspaceStore conformance: ${name}`, () => {
    it('numbers context entries per kind and lists them in the order they were recorded, filtered by kind', async () => {
      const store = await makeStore();
      await createRun(store, 'r1');
      const first = await store.addContextEntry({ kind: 'objective', text: 'ship 1.0', at: AT });
      expect(first).toEqual({
        id: 'obj-1',
        kind: 'objective',
        text: 'ship 1.0',
        runId: null,
        status: 'open',
        outcome: null,
        createdAt: AT,
        completedAt: null,
      });
      const insight = await store.addContextEntry({
        kind: 'insight',
        text: 'the cache halves build time',
        runId: 'r1',
        at: AT,
      });
      expect(insight).toEqual({
        id: 'ins-1',
        kind: 'insight',
        text: 'the cache halves build time',
        runId: 'r1',
        status: 'recorded',
        outcome: null,
        createdAt: AT,
        completedAt: null,
      });
      await store.addContextEntry({ kind: 'objective', text: 'cut build time', runId: 'r1', at: AT });
      await store.addContextEntry({ kind: 'insight', text: 'flaky test is timing-dependent', at: AT });
      expect((await store.listContextEntries()).map((e) => e.id)).toEqual(['obj-1', 'ins-1', 'obj-2', 'ins-2']);
      expect((await store.listContextEntries({ kind: 'insight' })).map((e) => e.id)).toEqual(['ins-1', 'ins-2']);
      expect((await store.listContextEntries({ kind: 'objective' })).map((e) => [e.id, e.runId])).toEqual([
        ['obj-1', null],
        ['obj-2', 'r1'],
      ]);
      await store.close();
    });

    it('numbers context entries added at the same time without gaps or repeats', async () => {
      const store = await makeStore();
      const kinds = Array.from({ length: 20 }, (_, i): ContextEntry['kind'] => (i % 2 === 0 ? 'objective' : 'insight'));
      const added = await Promise.all(
        kinds.map((kind, i) => store.addContextEntry({ kind, text: `entry ${i}`, at: AT })),
      );
      const numbers = (prefix: string) =>
        added
          .filter((e) => e.id.startsWith(prefix))
          .map((e) => Number(e.id.slice(4)))
          .sort((a, b) => a - b);
      expect(numbers('obj-')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(numbers('ins-')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await store.close();
    });

    it('completes an open objective once; an unknown id is undefined, an insight or a completed objective a conflict', async () => {
      const store = await makeStore();
      await store.addContextEntry({ kind: 'objective', text: 'ship 1.0', at: AT });
      await store.addContextEntry({ kind: 'insight', text: 'noted', at: AT });
      const done = '2026-01-02T00:00:00.000Z';
      const completed = await store.completeContextEntry({ id: 'obj-1', outcome: 'shipped on time', at: done });
      expect(completed).toEqual({
        id: 'obj-1',
        kind: 'objective',
        text: 'ship 1.0',
        runId: null,
        status: 'complete',
        outcome: 'shipped on time',
        createdAt: AT,
        completedAt: done,
      });
      await expect(store.completeContextEntry({ id: 'obj-1', outcome: 'again', at: AT })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(store.completeContextEntry({ id: 'ins-1', outcome: 'x', at: AT })).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect(await store.completeContextEntry({ id: 'obj-9', outcome: 'x', at: AT })).toBeUndefined();
      expect(await store.completeContextEntry({ id: 'nope', outcome: 'x', at: AT })).toBeUndefined();
      // The refused attempts changed nothing.
      expect(await store.listContextEntries()).toEqual([
        completed,
        expect.objectContaining({ id: 'ins-1', status: 'recorded', outcome: null, completedAt: null }),
      ]);
      await store.close();
    });

    it('keeps tasks open until completed, numbered apart from objectives, and linked to a run', async () => {
      const store = await makeStore();
      await createRun(store, 'r1');
      await store.addContextEntry({ kind: 'objective', text: 'ship 1.0', at: AT });
      const task = await store.addContextEntry({ kind: 'task', text: 'ask ops', runId: 'r1', at: AT });
      expect(task).toEqual({
        id: 'task-1',
        kind: 'task',
        text: 'ask ops',
        runId: 'r1',
        status: 'open',
        outcome: null,
        createdAt: AT,
        completedAt: null,
      });
      expect(await store.completeContextEntry({ id: 'task-1', outcome: 'asked', at: AT })).toMatchObject({
        status: 'complete',
        outcome: 'asked',
      });
      await expect(store.completeContextEntry({ id: 'task-1', outcome: 'again', at: AT })).rejects.toThrow(
        /^task "task-1" is already complete/,
      );
      expect((await store.listContextEntries({ kind: 'task' })).map((e) => [e.id, e.status])).toEqual([
        ['task-1', 'complete'],
      ]);
      await store.close();
    });

    it("writes a run's context.recorded events to the context in the append that holds them, and only then", async () => {
      const store = await makeStore();
      await store.addContextEntry({ kind: 'objective', text: 'ship 1.0', at: AT });
      await store.addContextEntry({ kind: 'objective', text: 'done already', at: AT });
      await store.completeContextEntry({ id: 'obj-2', outcome: 'earlier', at: AT });
      const head = await createRun(store, 'r1');
      const recorded = (data: Extract<BatonEvent, { type: 'context.recorded' }>['data']): BatonEvent => ({
        type: 'context.recorded',
        data,
      });
      await appendTo(store, 'r1', head, [
        recorded({ step: 'a', insight: 'the cache halves build time', completes: { id: 'obj-1', outcome: 'shipped' } }),
        // Complete already: nothing changes, and the append still goes in.
        recorded({ step: 'b', completes: { id: 'obj-2', outcome: 'again' } }),
        recorded({ step: 'c', error: 'records: no such key' }),
      ]);
      expect((await store.listContextEntries()).map((e) => [e.id, e.status, e.text, e.runId, e.outcome])).toEqual([
        ['obj-1', 'complete', 'ship 1.0', null, 'shipped'],
        ['obj-2', 'complete', 'done already', null, 'earlier'],
        ['ins-1', 'recorded', 'the cache halves build time', 'r1', null],
      ]);
      // An append that fails (a stale head) writes none of its context changes.
      await expect(
        appendTo(store, 'r1', head, [recorded({ step: 'd', insight: 'never recorded' })]),
      ).rejects.toBeInstanceOf(ConflictError);
      expect((await store.listContextEntries({ kind: 'insight' })).map((e) => e.text)).toEqual([
        'the cache halves build time',
      ]);
      await store.close();
    });

    it('keeps API tokens by the hash of their secret: unique names, found by hash, revoked once', async () => {
      const store = await makeStore();
      const ci = await store.createApiToken(token('ci', ['read', 'operate']));
      expect(ci).toEqual({ id: 'tok_ci', name: 'ci', scopes: ['read', 'operate'], createdAt: AT, revokedAt: null });
      await store.createApiToken(token('ops', ['admin']));
      await expect(
        store.createApiToken({ ...token('ci'), id: 'tok_other', secretHash: 'other' }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(await store.findApiToken('hash-of-ci')).toEqual(ci);
      expect(await store.findApiToken('hash-of-nobody')).toBeUndefined();
      const later = '2026-01-02T00:00:00.000Z';
      expect(await store.revokeApiToken({ idOrName: 'ci', at: later })).toEqual({ ...ci, revokedAt: later });
      await expect(store.revokeApiToken({ idOrName: 'tok_ci', at: later })).rejects.toBeInstanceOf(ConflictError);
      expect(await store.revokeApiToken({ idOrName: 'nobody', at: later })).toBeUndefined();
      // A revoked token is still found (so that it can be refused as revoked) and keeps its name.
      expect(await store.findApiToken('hash-of-ci')).toEqual({ ...ci, revokedAt: later });
      await expect(
        store.createApiToken({ ...token('ci'), id: 'tok_again', secretHash: 'again' }),
      ).rejects.toBeInstanceOf(ConflictError);
      expect((await store.listApiTokens()).map((t) => t.name)).toEqual(['ci', 'ops']);
      expect((await store.listApiTokens({ active: true })).map((t) => t.name)).toEqual(['ops']);
      await store.close();
    });

    it('keeps the role a token was made for, and no role for one made with scopes', async () => {
      const store = await makeStore();
      const gov = await store.createApiToken({ ...token('gov', ['read', 'approve']), role: 'governor' });
      expect(gov).toEqual({
        id: 'tok_gov',
        name: 'gov',
        scopes: ['read', 'approve'],
        role: 'governor',
        createdAt: AT,
        revokedAt: null,
      });
      await store.createApiToken(token('ci'));
      expect(await store.findApiToken('hash-of-gov')).toEqual(gov);
      expect((await store.listApiTokens()).map((t) => [t.name, t.role ?? null])).toEqual([
        ['gov', 'governor'],
        ['ci', null],
      ]);
      await store.close();
    });
  });
}
