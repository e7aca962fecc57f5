-- orgdir schema, version 1 (SQLite).
--
-- Every directory row is keyed by (enterprise, id). Columns ending in `_key` hold the
-- normalized form of a name that must be unique (ASCII lower-case accounts and group/service
-- names, the RFC 4514 canonical naming context). Lists and small records are JSON text:
--   enterprises.limits      {"max_root_orgs":200,...}  (missing keys take the default)
--   roles.permissions       ["manage_members",...]     (Permission::key strings)
--   members.scope           [1,7]                      (org ids)
--   services.scope          [1,7]                      (org ids; [] = whole enterprise)
-- Uuids are 16-byte BLOBs, times are INTEGER unix seconds, flags are INTEGER 0/1.
-- References between directory rows are deferred foreign keys: they are checked when the
-- transaction commits, so the order of changes inside one commit does not matter.

CREATE TABLE enterprises (
    number              INTEGER PRIMARY KEY,
    naming_context      TEXT    NOT NULL,
    naming_context_key  TEXT    NOT NULL UNIQUE,
    short_name          TEXT    NOT NULL,
    name                TEXT    NOT NULL,
    seats               INTEGER NOT NULL,
    account_first       INTEGER NOT NULL,
    account_last        INTEGER NOT NULL,
    expires_at          INTEGER,
    domain              TEXT,
    super_password      TEXT,
    limits              TEXT    NOT NULL,
    posix_base          INTEGER NOT NULL,
    uuid                BLOB    NOT NULL,
    next_id             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    modified_at         INTEGER NOT NULL
);

CREATE TABLE orgs (
    enterprise   INTEGER NOT NULL REFERENCES enterprises (number) ON DELETE CASCADE,
    id           INTEGER NOT NULL,
    parent       INTEGER,
    name         TEXT    NOT NULL,
    uuid         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    modified_at  INTEGER NOT NULL,
    PRIMARY KEY (enterprise, id),
    FOREIGN KEY (enterprise, parent) REFERENCES orgs (enterprise, id)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX orgs_parent ON orgs (enterprise, parent);

CREATE TABLE roles (
    enterprise   INTEGER NOT NULL REFERENCES enterprises (number) ON DELETE CASCADE,
    id           INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    builtin      TEXT,
    permissions  TEXT    NOT NULL,
    uuid         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    modified_at  INTEGER NOT NULL,
    PRIMARY KEY (enterprise, id),
    UNIQUE (enterprise, builtin)
);

CREATE TABLE members (
    enterprise            INTEGER NOT NULL REFERENCES enterprises (number) ON DELETE CASCADE,
    id                    INTEGER NOT NULL,
    account               TEXT    NOT NULL,
    account_key           TEXT    NOT NULL,
    org                   INTEGER NOT NULL,
    name                  TEXT    NOT NULL,
    surname               TEXT    NOT NULL,
    given_name            TEXT,
    mobile                TEXT,
    email                 TEXT,
    title                 TEXT,
    employee_number       TEXT,
    role                  INTEGER NOT NULL,
    scope                 TEXT    NOT NULL,
    hidden                INTEGER NOT NULL,
    disabled              INTEGER NOT NULL,
    uid_number            INTEGER NOT NULL,
    gid_number            INTEGER NOT NULL,
    login_shell           TEXT    NOT NULL,
    home_directory        TEXT    NOT NULL,
    password              TEXT,
    must_change_password  INTEGER NOT NULL,
    uuid                  BLOB    NOT NULL,
    created_at            INTEGER NOT NULL,
    modified_at           INTEGER NOT NULL,
    PRIMARY KEY (enterprise, id),
    UNIQUE (enterprise, account_key),
    FOREIGN KEY (enterprise, org) REFERENCES orgs (enterprise, id)
        DEFERRABLE INITIALLY DEFERRED,
    FOREIGN KEY (enterprise, role) REFERENCES roles (enterprise, id)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX members_org ON members (enterprise, org);
CREATE INDEX members_role ON members (enterprise, role);

CREATE TABLE groups (
    enterprise   INTEGER NOT NULL REFERENCES enterprises (number) ON DELETE CASCADE,
    id           INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    name_key     TEXT    NOT NULL,
    description  TEXT,
    gid_number   INTEGER NOT NULL,
    owner        INTEGER,
    uuid         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    modified_at  INTEGER NOT NULL,
    PRIMARY KEY (enterprise, id),
    UNIQUE (enterprise, name_key),
    FOREIGN KEY (enterprise, owner) REFERENCES members (enterprise, id)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX groups_owner ON groups (enterprise, owner);

CREATE TABLE group_members (
    enterprise  INTEGER NOT NULL,
    group_id    INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    PRIMARY KEY (enterprise, group_id, member_id),
    FOREIGN KEY (enterprise, group_id) REFERENCES groups (enterprise, id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    FOREIGN KEY (enterprise, member_id) REFERENCES members (enterprise, id)
        ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX group_members_member ON group_members (enterprise, member_id);

CREATE TABLE services (
    enterprise   INTEGER NOT NULL REFERENCES enterprises (number) ON DELETE CASCADE,
    id           INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    name_key     TEXT    NOT NULL,
    description  TEXT,
    password     TEXT,
    scope        TEXT    NOT NULL,
    sees_hidden  INTEGER NOT NULL,
    can_write    INTEGER NOT NULL,
    disabled     INTEGER NOT NULL,
    uuid         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    modified_at  INTEGER NOT NULL,
    PRIMARY KEY (enterprise, id),
    UNIQUE (enterprise, name_key)
);

-- One row per changed directory row, in commit order. `seq` is never reused.
CREATE TABLE changelog (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise  INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    entity      TEXT    NOT NULL,
    entity_id   INTEGER NOT NULL,
    op          TEXT    NOT NULL
);

-- One row per write. Kept when an enterprise row goes away, hence no foreign key.
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise  INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE INDEX audit_enterprise_id ON audit (enterprise, id);
CREATE INDEX audit_enterprise_at ON audit (enterprise, at);
