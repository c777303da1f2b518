#!/usr/bin/env node
// Shows what a command capability receives: its argv, its stdin (the step's input as JSON)
// and the BATON_* environment variables. Prints them as one JSON object.
let text = '';
for await (const chunk of process.stdin) text += chunk;
const env = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => name.startsWith('BATON_') && name !== 'BATON_HOME'),
);
process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), stdin: text, env }));
