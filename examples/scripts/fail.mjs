#!/usr/bin/env node
// Always fails: prints `reason` from its JSON input on stderr and exits with `code` (default 1).
let text = '';
for await (const chunk of process.stdin) text += chunk;
const input = (text.trim() === '' ? null : JSON.parse(text)) ?? {};
process.stderr.write(`${input.reason ?? 'failed on purpose'}\n`);
process.exit(input.code ?? 1);
