import { MemoryStore } from '../../sim/memory-store.js';
import { describeStore } from './conformance.js';

// The simulation's store is held to the same contract as SQLite and PostgreSQL.
describeStore('memory (simulation)', async () => new MemoryStore());
