-- Provider limits shared by every run in the store; mirrors
-- migrations/postgres/007_provider_leases.sql, which explains each column. Acquisition is one
-- IMMEDIATE transaction: SQLite's single writer orders it against every other process.
CREATE TABLE provider_leases (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  holder TEXT NOT NULL,
  acquired_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  released_at INTEGER,
  tokens INTEGER NOT NULL
);
CREATE INDEX provider_leases_key ON provider_leases (key);
