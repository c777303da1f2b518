#!/usr/bin/env node
// Appends one line to a journal file: `LABEL STEP`, where STEP is the `step` field of the JSON
// input on stdin (a compensation receives the output of the step it undoes). Prints the line.
//   node examples/scripts/record.mjs JOURNAL LABEL
import { appendFileSync } from 'node:fs';

const [journal, label = 'done'] = process.argv.slice(2);
if (!journal) {
  process.stderr.write('usage: record.mjs JOURNAL [LABEL]\n');
  process.exit(2);
}
let text = '';
for await (const chunk of process.stdin) text += chunk;
const input = text.trim() === '' ? {} : JSON.parse(text);
const line = `${label} ${input?.step ?? process.env.BATON_STEP}`;
appendFileSync(journal, `${line}\n`);
process.stdout.write(JSON.stringify({ recorded: line }));
