import { describe, expect, it } from 'vitest';
import { timed, type BatonEvent } from '../../src/core/index.js';

describe('timed', () => {
  const event: BatonEvent = { type: 'run.paused', data: { by: 'ops', reason: 'maintenance' } };

  it('adds the time and keeps every field of the event', () => {
    expect(timed(event, '2026-01-01T00:00:00.000Z')).toEqual({ ...event, at: '2026-01-01T00:00:00.000Z' });
  });

  it('sets the time given even over one the event carries, and leaves the event as it was', () => {
    const recorded = { ...event, at: '2025-01-01T00:00:00.000Z' };
    const stamped = timed(recorded, '2026-01-01T00:00:00.000Z');
    expect(stamped.at).toBe('2026-01-01T00:00:00.000Z');
    expect(recorded.at).toBe('2025-01-01T00:00:00.000Z');
  });
});
