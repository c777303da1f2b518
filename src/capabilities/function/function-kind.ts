import type { CapabilityKindPlugin } from '../kind.js';

/**
 * An in-process TypeScript function. A plan cannot declare one: a process registers its runner
 * (`baton.register`, see functionRunner), and only workers that did claim its work.
 */
export const functionKind: CapabilityKindPlugin<'function'> = { name: 'function' };
