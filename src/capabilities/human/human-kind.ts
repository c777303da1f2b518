import type { CapabilityKindPlugin } from '../kind.js';

/**
 * A person: nothing runs on this machine. The conductor asks for the result (core
 * `CAPABILITY_KINDS.human` says a person performs it) and `baton submit RUN STEP` gives it.
 */
export const humanKind: CapabilityKindPlugin<'human'> = { name: 'human' };
