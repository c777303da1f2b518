/** Plans the browser tests run: command capabilities that are plain `node -e` one-liners. */
const node = (code: string): string[] => ['node', '-e', code];

/** A chain that waits for the signal `go` halfway, so a test sees the rest run after it sends it. */
export const CHAIN = {
  baton: 1,
  name: 'chain',
  objective: 'Fetch, wait for the go, then build and publish.',
  constraints: { budget_usd: 1, deadline: '10m' },
  capabilities: {
    worker: {
      kind: 'command',
      command: node('setTimeout(() => process.stdout.write(JSON.stringify({ok: true})), 300)'),
      skills: { work: 1 },
      cost_usd: 0.05,
    },
  },
  steps: {
    fetch: { skill: 'work' },
    go: { await: { signal: 'go' }, after: ['fetch'] },
    build: { skill: 'work', after: ['go'] },
    publish: { skill: 'work', after: ['build'] },
  },
};

/** Builds, then waits at the gate of `execution` for a person. */
export const GATED = {
  baton: 1,
  name: 'gated-release',
  objective: 'Ship only after a person approves.',
  phases: ['infrastructure', { id: 'execution', gate: { approval: true } }],
  capabilities: {
    worker: {
      kind: 'command',
      command: node('process.stdout.write(JSON.stringify({ok: true}))'),
      skills: { build: 1, ship: 1 },
    },
  },
  steps: {
    build: { skill: 'build', phase: 'infrastructure' },
    ship: { skill: 'ship', phase: 'execution', after: ['build'] },
  },
};

/** Three models that disagree under `agree: all`: a contradiction that escalates with the votes. */
export const CONSENSUS = {
  baton: 1,
  name: 'consensus',
  capabilities: {
    'model-a': {
      kind: 'command',
      command: node("process.stdout.write(JSON.stringify({label: 'ham'}))"),
      skills: { classify: 0.9 },
    },
    'model-b': {
      kind: 'command',
      command: node("process.stdout.write(JSON.stringify({label: 'ham'}))"),
      skills: { classify: 0.8 },
    },
    'model-c': {
      kind: 'command',
      command: node("process.stdout.write(JSON.stringify({label: 'spam'}))"),
      skills: { classify: 0.7 },
    },
  },
  steps: { classify: { skill: 'classify', consensus: { n: 3, agree: 'all', compare: 'a.label == b.label' } } },
};

/** The first attempt fails as a busy upstream does; the retry succeeds. */
export const FLAKY = {
  baton: 1,
  name: 'flaky',
  capabilities: {
    upstream: { kind: 'command', command: ['node', 'examples/scripts/flaky.mjs'], skills: { fetch: 1 } },
  },
  steps: { sync: { skill: 'fetch', retry: { max: 2, backoff: '300ms' } } },
};
