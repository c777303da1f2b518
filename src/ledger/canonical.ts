import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical.js';

export { canonicalJson };

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The content hash of a plan: a run pins the revision it was created from. */
export function hashPlan(plan: unknown): string {
  return sha256Hex(canonicalJson(plan));
}
