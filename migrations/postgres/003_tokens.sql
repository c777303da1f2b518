-- Bearer tokens of the HTTP API (`baton token create`). Only a SHA-256 hash of each secret is
-- kept: the secret itself is shown once, when the token is created, and is in no table, log
-- or ledger. Tokens are revoked, never deleted, so that `token:<name>` in a ledger always
-- names one token. Mirrors migrations/sqlite/004_tokens.sql.

CREATE TABLE api_tokens (
  -- insertion order, which is the order `baton token list` shows
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  id          text COLLATE "C" PRIMARY KEY,
  name        text COLLATE "C" NOT NULL UNIQUE,
  -- hex SHA-256 of the whole secret; looked up on every authenticated request
  secret_hash text NOT NULL UNIQUE,
  -- comma-separated: read, operate, approve, admin
  scopes      text NOT NULL,
  created_at  text NOT NULL,
  revoked_at  text
);
