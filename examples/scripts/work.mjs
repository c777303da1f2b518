#!/usr/bin/env node
// A stand-in worker for the quickstart: reads the step's input as JSON on stdin, takes a
// moment (so progress is visible), and prints its output as JSON on stdout.
import { setTimeout as sleep } from 'node:timers/promises';

let text = '';
for await (const chunk of process.stdin) text += chunk;
const input = text.trim() === '' ? {} : JSON.parse(text);
const slow = process.argv.includes('--slow');
await sleep((slow ? 400 : 120) + Math.floor(Math.random() * 120));
const fields = input !== null && typeof input === 'object' && !Array.isArray(input) ? input : { value: input };
process.stdout.write(JSON.stringify({ step: process.env.BATON_STEP, ok: true, ...fields }));
