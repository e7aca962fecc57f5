-- Enterprise images (SPEC ENT-5): a logo or banner is submitted, waits for the operator's
-- review, and only an approved one is shown to others. Per enterprise and kind at most one
-- row of each status is kept: the live (approved) image, a pending one, the last rejected one
-- (for its reason).
CREATE TABLE images (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enterprise    INTEGER NOT NULL REFERENCES enterprises (number) ON DELETE CASCADE,
    kind          TEXT    NOT NULL CHECK (kind IN ('logo', 'banner')),
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    content_type  TEXT    NOT NULL,
    bytes         BLOB    NOT NULL,
    reason        TEXT,
    submitted_at  INTEGER NOT NULL,
    reviewed_at   INTEGER,
    UNIQUE (enterprise, kind, status)
);
CREATE INDEX images_pending ON images (status, submitted_at);
