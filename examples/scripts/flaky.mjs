#!/usr/bin/env node
// Demonstrates retry: the first attempt of each step fails the way a busy upstream does
// (exit 1, reason on stderr); a later attempt succeeds. BATON_ATTEMPT_ID ends in /a1 on
// the first attempt.
const attempt = process.env.BATON_ATTEMPT_ID ?? '';
if (attempt.endsWith('/a1')) {
  process.stderr.write('upstream answered 503: not ready yet\n');
  process.exit(1);
}
process.stdout.write(JSON.stringify({ changes: 3, attempt }));
