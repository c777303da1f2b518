#!/usr/bin/env node
// Writes one document into the attempt's artifact directory (BATON_ARTIFACTS_DIR): its name is
// the first argument, its text the step input's `text`. Prints the step's output as JSON.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

let raw = '';
for await (const chunk of process.stdin) raw += chunk;
const input = raw.trim() === '' ? {} : JSON.parse(raw);
const name = process.argv[2] ?? 'document.md';
const text = typeof input.text === 'string' ? input.text : `# ${name}\n`;
writeFileSync(join(process.env.BATON_ARTIFACTS_DIR ?? '.', name), text);
process.stdout.write(JSON.stringify({ written: name, bytes: Buffer.byteLength(text) }));
