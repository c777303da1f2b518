-- Large payloads stay out of event rows (src/ledger/payloads.ts): an event holds a reference,
-- { "$payload": "sha256:<hex>", "bytes": N }, and the value's canonical JSON is stored here
-- once, keyed by its hex sha256, in the transaction of the event that first referenced it.
-- Rows are never updated or deleted: verify re-hashes each body against its key.
CREATE TABLE payloads (
  hash TEXT PRIMARY KEY,
  body TEXT NOT NULL
);
