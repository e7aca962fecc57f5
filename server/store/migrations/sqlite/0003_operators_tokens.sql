-- Access besides the directory's own identities: the server operators (who create
-- enterprises and set their terms) and long-lived API tokens for automation.

-- One row per operator. `name_key` is the ASCII lower-case name (names are unique without
-- regard to case). `password` is an argon2id hash, never the password.
CREATE TABLE operators (
    name        TEXT    NOT NULL,
    name_key    TEXT    PRIMARY KEY,
    password    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    disabled    INTEGER NOT NULL
);

-- One row per live API token; revoking deletes the row (the audit log keeps the history).
-- `digest` is the SHA-256 of the secret: the secret itself is shown once and never stored.
-- `owner` is the member the token acts as, NULL for the enterprise administrator;
-- `owner_uuid` is that member's entryUUID when the token was made, so a token dies with its
-- owner's identity when the account is given to another person (ORG-5). Deleting the member
-- deletes its tokens.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise    INTEGER NOT NULL REFERENCES enterprises (number) ON DELETE CASCADE,
    owner         INTEGER,
    owner_uuid    BLOB,
    name          TEXT    NOT NULL,
    digest        BLOB    NOT NULL UNIQUE,
    access        TEXT    NOT NULL CHECK (access IN ('read', 'read-write')),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    last_used_at  INTEGER,
    CHECK ((owner IS NULL) = (owner_uuid IS NULL)),
    FOREIGN KEY (enterprise, owner) REFERENCES members (enterprise, id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX api_tokens_enterprise ON api_tokens (enterprise);
CREATE INDEX api_tokens_owner ON api_tokens (enterprise, owner);
