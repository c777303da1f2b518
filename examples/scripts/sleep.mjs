#!/usr/bin/env node
// Works for `ms` milliseconds (from its JSON input; default 1000), then echoes its input.
// Used to make runs long enough to interrupt or kill.
import { setTimeout as sleep } from 'node:timers/promises';

let text = '';
for await (const chunk of process.stdin) text += chunk;
const input = (text.trim() === '' ? null : JSON.parse(text)) ?? {};
await sleep(input.ms ?? 1000);
process.stdout.write(JSON.stringify({ ...input, attempt_id: process.env.BATON_ATTEMPT_ID, pid: process.pid }));
