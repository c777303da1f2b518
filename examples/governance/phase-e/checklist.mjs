#!/usr/bin/env node
// Two roles, by the first argument. `list`: prints the design checklist (the step's output).
// `verify`: the check of that step; it reads the checklist on stdin and fails (exit 1, saying
// which items) unless every item is done.
let raw = '';
for await (const chunk of process.stdin) raw += chunk;
const input = raw.trim() === '' ? {} : JSON.parse(raw);
if (process.argv[2] === 'verify') {
  const open = (input.items ?? []).filter((item) => item.done !== true).map((item) => item.name);
  if (open.length > 0) {
    process.stderr.write(`checklist items not done: ${open.join(', ')}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ passed: true, items: input.items.length }));
} else {
  const items = ['threat model', 'rollback plan', 'CP-21 referenced'].map((name) => ({ name, done: true }));
  process.stdout.write(JSON.stringify({ items }));
}
