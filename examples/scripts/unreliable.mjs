#!/usr/bin/env node
// A deliberately unreliable worker for the retry and timeout patterns. Input (JSON on stdin):
//   fail_first: N  -> attempts 1..N exit with code 1 (a message on stderr)
//   hang_first: N  -> attempts 1..N never finish (a step `timeout` has to stop them)
//   ms: N          -> otherwise, work for N milliseconds (default 50) and succeed
// The attempt number is the N at the end of BATON_ATTEMPT_ID (`step/aN`, `step[2]/i3/aN`).
import { setTimeout as sleep } from 'node:timers/promises';

let text = '';
for await (const chunk of process.stdin) text += chunk;
const input = (text.trim() === '' ? null : JSON.parse(text)) ?? {};
const attempt = Number(/\/a(\d+)$/.exec(process.env.BATON_ATTEMPT_ID ?? '')?.[1] ?? 1);

if (attempt <= (input.fail_first ?? 0)) {
  process.stderr.write(`attempt ${attempt}: upstream answered 503\n`);
  process.exit(1);
}
if (attempt <= (input.hang_first ?? 0)) {
  process.stderr.write(`attempt ${attempt}: hanging\n`);
  await new Promise(() => setInterval(() => {}, 1 << 30));
}
await sleep(input.ms ?? 50);
process.stdout.write(JSON.stringify({ attempt, attempt_id: process.env.BATON_ATTEMPT_ID }));
