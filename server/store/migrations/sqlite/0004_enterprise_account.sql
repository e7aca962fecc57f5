-- The enterprise account's own data (SPEC ENT-1, ENT-2, ENT-4): live profile, a profile
-- change waiting for the operator's review and the last review, the recovery email, the
-- initial password hash for new members. One JSON object; absent fields read as empty.
ALTER TABLE enterprises ADD COLUMN account TEXT NOT NULL DEFAULT '{}';
