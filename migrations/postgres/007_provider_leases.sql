-- Provider limits shared by every run in the store (a workspace registry's `limits:`): one row
-- per model call that took a lease on a limit key.
--  * acquired_at, expires_at, released_at are milliseconds since the epoch, passed in by the
--    caller like every other time of the store. A holder renews expires_at while its call runs;
--    one that crashed stops counting as in flight once it passes.
--  * tokens is reserved at acquisition (the call's worst case) and corrected to the reported
--    usage at release; a call counts against the per-minute limits until a window after it ended.
--  * Acquisition takes the key's transaction-scoped advisory lock, reads the key's rows, applies
--    the core's admission rule and inserts, so two processes never both take the last slot.
CREATE TABLE provider_leases (
  id text PRIMARY KEY,
  key text NOT NULL,
  holder text NOT NULL,
  acquired_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  released_at bigint,
  tokens bigint NOT NULL
);
CREATE INDEX provider_leases_key ON provider_leases (key);
