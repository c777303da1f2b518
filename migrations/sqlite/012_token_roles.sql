-- The role a token was created for (`baton token create --role governor`): its scopes are the
-- role's at creation, and the role's name is kept with it, so `baton token list` says what it
-- was made as. NULL for a token made with explicit scopes.

ALTER TABLE api_tokens ADD COLUMN role TEXT;
