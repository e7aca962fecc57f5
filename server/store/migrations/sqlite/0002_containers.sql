-- Where an enterprise's groups and service accounts live in its DIT (the RDN of their
-- container under the naming context). New enterprises use cn=groups / cn=services; an
-- enterprise imported from LDIF keeps its source's containers (e.g. ou=groups), so client
-- configurations survive the migration.
ALTER TABLE enterprises ADD COLUMN groups_rdn TEXT NOT NULL DEFAULT 'cn=groups';
ALTER TABLE enterprises ADD COLUMN services_rdn TEXT NOT NULL DEFAULT 'cn=services';
