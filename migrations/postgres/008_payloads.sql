-- Large payloads stay out of event rows; mirrors migrations/sqlite/009_payloads.sql. Workers
-- on other machines and an engine resuming after a crash read them here, with the events.
CREATE TABLE payloads (
  hash text PRIMARY KEY,
  body text NOT NULL
);
