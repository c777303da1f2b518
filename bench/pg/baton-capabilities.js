// The capability module `baton worker --capabilities` loads in `npm run bench -- --pg`: one
// function capability whose work is the benchmark's job (bench/pg/worker-protocol.js).
import { runBenchJob } from './worker-protocol.js';

export default [{ id: 'bench', skills: { bench: 1 }, run: (input) => runBenchJob(input) }];
