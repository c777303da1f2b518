-- Bearer tokens of the HTTP API (`baton token create`). Only a SHA-256 hash of each secret is
-- kept: the secret itself is shown once, when the token is created, and is in no table, log
-- or ledger. Tokens are revoked, never deleted, so that `token:<name>` in a ledger always
-- names one token.

CREATE TABLE api_tokens (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  -- hex SHA-256 of the whole secret; looked up on every authenticated request
  secret_hash TEXT NOT NULL UNIQUE,
  -- comma-separated: read, operate, approve, admin
  scopes      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);
