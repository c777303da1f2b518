#!/usr/bin/env node
// Reads the step's input (JSON on stdin) and prints what it would publish.
let text = '';
for await (const chunk of process.stdin) text += chunk;
const { notes } = JSON.parse(text);
process.stdout.write(JSON.stringify({ published: `${notes.version}: ${notes.changes.join(', ')}` }));
