//! The OpenAPI 3 document of `/api/v1`, served at `/api/v1/openapi.json`. A test sends a
//! request for every operation it lists to the real router, so it cannot describe a route
//! that does not exist, and reads `router()`'s routes to check that every one is listed.

use serde_json::{Value, json};

fn problem() -> Value {
    json!({ "description": "Error (application/problem+json)", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
}

fn op(summary: &str, body: Option<&str>, ok: (&str, Option<&str>)) -> Value {
    let mut o = json!({
        "summary": summary,
        "responses": {
            ok.0: match ok.1 {
                Some(schema) => json!({ "description": "OK", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } }),
                None => json!({ "description": "Done" }),
            },
            "400": problem(), "401": problem(), "403": problem(), "404": problem(), "422": problem()
        }
    });
    if let (Some(b), Some(map)) = (body, o.as_object_mut()) {
        map.insert(
            "requestBody".into(),
            json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{b}") } } } }),
        );
    }
    o
}

fn job_param() -> Value {
    json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }])
}

/// A background job of `kind` with its `result` schema and phases.
fn job_schema(kind: &str, result: Value, phases: &[&str]) -> Value {
    json!({ "type": "object", "required": ["id", "kind", "state", "phase", "done", "total", "result", "error"], "properties": {
        "id": { "type": "string" }, "kind": { "const": kind },
        "state": { "type": "string", "enum": ["running", "done", "failed"] },
        "phase": { "type": "string", "enum": phases },
        "done": { "type": "integer", "description": "Units of the phase done (rows; commands while storing)" },
        "total": { "type": "integer", "description": "Units of the phase in all (an estimate while reading)" },
        "result": result,
        "error": { "type": ["string", "null"], "description": "Why a failed job failed" } } })
}

fn id_param() -> Value {
    json!([{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } }])
}

/// The document.
pub fn document() -> Value {
    let mut doc = core();
    add(
        &mut doc,
        "components",
        "schemas",
        token_and_operator_schemas(),
    );
    add(
        &mut doc,
        "components",
        "securitySchemes",
        json!({
            "operatorCookie": { "type": "apiKey", "in": "cookie", "name": "orgdir_operator" }
        }),
    );
    add_paths(&mut doc, token_and_operator_paths());
    add(&mut doc, "components", "schemas", account_schemas());
    add_paths(&mut doc, account_paths());
    add(&mut doc, "components", "schemas", link_schemas());
    add_paths(&mut doc, link_paths());
    doc
}

/// Merges the members of `extra` into `doc[outer][inner]`.
fn add(doc: &mut Value, outer: &str, inner: &str, extra: Value) {
    if let (Some(map), Value::Object(extra)) = (
        doc.get_mut(outer)
            .and_then(|o| o.get_mut(inner))
            .and_then(Value::as_object_mut),
        extra,
    ) {
        map.extend(extra);
    }
}

fn add_paths(doc: &mut Value, extra: Value) {
    if let (Some(map), Value::Object(extra)) =
        (doc.get_mut("paths").and_then(Value::as_object_mut), extra)
    {
        map.extend(extra);
    }
}

/// Schemas of the API tokens and the operator's API.
fn token_and_operator_schemas() -> Value {
    let s = |t: &str| json!({ "type": t });
    let opt_s = |t: &str| json!({ "type": [t, "null"] });
    let range = json!({ "type": "array", "minItems": 2, "maxItems": 2, "items": s("integer") });
    let limits = json!({ "type": "object", "additionalProperties": false, "properties": {
        "max_root_orgs": s("integer"), "max_members_per_org": s("integer"), "max_scope_orgs": s("integer"),
        "max_org_depth": s("integer"), "max_groups": s("integer") } });
    json!({
        "NewToken": { "type": "object", "required": ["name", "access"], "additionalProperties": false, "properties": {
            "name": s("string"), "access": { "enum": ["read", "read-write"] },
            "expires_in_days": { "type": ["integer", "null"], "minimum": 1, "maximum": 3650 } } },
        "Token": { "type": "object", "required": ["id", "name", "access", "owner", "created_at", "active"], "properties": {
            "id": s("integer"), "name": s("string"), "access": { "enum": ["read", "read-write"] },
            "owner": { "type": ["string", "null"], "description": "admin, or the owner's account; null when the owner is gone" },
            "owner_member_id": opt_s("integer"), "created_at": s("integer"), "expires_at": opt_s("integer"),
            "last_used_at": opt_s("integer"), "active": s("boolean") } },
        "Tokens": { "type": "array", "items": { "$ref": "#/components/schemas/Token" } },
        "IssuedToken": { "type": "object", "required": ["secret", "token"], "properties": {
            "secret": { "type": "string", "description": "odt_…, shown only in this answer" },
            "token": { "$ref": "#/components/schemas/Token" } } },
        "OperatorSignIn": { "type": "object", "required": ["name", "password"], "additionalProperties": false, "properties": {
            "name": s("string"), "password": s("string") } },
        "OperatorSignedIn": { "type": "object", "required": ["token", "csrf_token", "expires_in", "operator"], "properties": {
            "token": s("string"), "csrf_token": s("string"), "expires_in": s("integer"), "operator": s("string") } },
        "Limits": limits,
        "Enterprise": { "type": "object", "required": ["number", "name", "short_name", "naming_context", "seats", "members", "account_range", "limits"], "properties": {
            "number": s("integer"), "name": s("string"), "short_name": s("string"), "naming_context": s("string"),
            "seats": s("integer"), "members": s("integer"), "account_range": range, "expires_at": opt_s("integer"),
            "limits": { "$ref": "#/components/schemas/Limits" } } },
        "Enterprises": { "type": "array", "items": { "$ref": "#/components/schemas/Enterprise" } },
        "NewEnterprise": { "type": "object", "required": ["number", "short_name", "super_password"], "additionalProperties": false, "properties": {
            "number": s("integer"), "short_name": s("string"), "name": opt_s("string"), "naming_context": opt_s("string"),
            "seats": opt_s("integer"), "account_range": range, "expires_at": opt_s("integer"), "super_password": s("string"),
            "limits": { "$ref": "#/components/schemas/Limits" } } },
        "CreatedEnterprise": { "type": "object", "required": ["number", "naming_context"], "properties": {
            "number": s("integer"), "naming_context": s("string") } },
        "EnterpriseTerms": { "type": "object", "additionalProperties": false, "properties": {
            "seats": s("integer"), "account_range": range,
            "expires_at": { "type": ["integer", "null"], "description": "unix time; null removes the expiry" },
            "limits": { "$ref": "#/components/schemas/Limits" } } }
    })
}

/// Paths of the API tokens, the operator's API and this document.
fn token_and_operator_paths() -> Value {
    let operator = json!([{ "bearer": [] }, { "operatorCookie": [] }]);
    let with_security = |mut o: Value| {
        if let Some(map) = o.as_object_mut() {
            map.insert("security".into(), operator.clone());
        }
        o
    };
    json!({
        "/api/v1/tokens": {
            "get": op("Your API tokens (the enterprise administrator: all of the enterprise's, with owners)", None, ("200", Some("Tokens"))),
            "post": op("Make an API token (from a signed-in session only); its secret is in this answer only", Some("NewToken"), ("201", Some("IssuedToken")))
        },
        "/api/v1/tokens/{id}": {
            "parameters": id_param(),
            "delete": op("Revoke an API token", None, ("204", None))
        },
        "/api/v1/operator/session": {
            "post": { "security": [], "summary": "Operator sign-in (name + password; operators are added with `orgdir operator add`)",
                "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OperatorSignIn" } } } },
                "responses": { "200": { "description": "Signed in; also sets the orgdir_operator cookie", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OperatorSignedIn" } } } },
                    "400": problem(), "401": problem(), "422": problem() } },
            "delete": with_security(op("Operator sign-out", None, ("204", None)))
        },
        "/api/v1/operator/enterprises": {
            "get": with_security(op("Every enterprise with its seats, members, account range, expiry and limits", None, ("200", Some("Enterprises")))),
            "post": with_security(op("Create an enterprise with its administrator's super password", Some("NewEnterprise"), ("201", Some("CreatedEnterprise"))))
        },
        "/api/v1/operator/enterprises/{number}": {
            "parameters": [{ "name": "number", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } }],
            "patch": with_security(op("Change seats, account range, expiry (null clears it) and limits", Some("EnterpriseTerms"), ("200", Some("Enterprise"))))
        },
        "/api/v1/openapi.json": {
            "get": { "security": [], "summary": "This document", "responses": { "200": { "description": "OpenAPI 3.1" } } }
        }
    })
}

/// Schemas of the enterprise account (ENT-1, ENT-2, ENT-4) and the review queue.
fn account_schemas() -> Value {
    let opt = json!({ "type": ["string", "null"] });
    let profile = json!({ "type": "object", "required": ["name", "short_name"], "additionalProperties": false, "properties": {
        "name": { "type": "string" }, "short_name": { "type": "string" },
        "address": opt, "industry": opt, "contact_name": opt, "contact_phone": opt, "contact_email": opt } });
    json!({
        "Profile": profile,
        "EnterpriseAccount": { "type": "object", "properties": {
            "number": { "type": "integer" }, "naming_context": { "type": "string" }, "domain": opt,
            "seats": { "type": "integer" }, "members": { "type": "integer" },
            "account_range": { "type": "array", "items": { "type": "integer" } },
            "expires_at": { "type": ["integer", "null"] },
            "profile": { "$ref": "#/components/schemas/Profile" },
            "pending": { "description": "A change waiting for the operator's review, or null", "type": ["object", "null"], "properties": {
                "profile": { "$ref": "#/components/schemas/Profile" }, "submitted_at": { "type": "integer" } } },
            "last_review": { "type": ["object", "null"], "properties": {
                "approved": { "type": "boolean" }, "reason": opt, "at": { "type": "integer" } } },
            "recovery_email": { "description": "Enterprise administrator only", "type": ["string", "null"] },
            "initial_password_set": { "description": "Enterprise administrator only", "type": "boolean" } } },
        "RecoveryEmail": { "type": "object", "required": ["email", "confirm_password"], "properties": {
            "email": opt, "confirm_password": { "type": "string", "description": "The super password" } } },
        "SuperPassword": { "type": "object", "required": ["current_password", "new_password"], "properties": {
            "current_password": { "type": "string" }, "new_password": { "type": "string" } } },
        "InitialPassword": { "type": "object", "required": ["password"], "properties": {
            "password": { "type": ["string", "null"], "description": "null: new members get no initial password" } } },
        "OwnPassword": { "type": "object", "required": ["current_password", "new_password"], "properties": {
            "current_password": { "type": "string" }, "new_password": { "type": "string" } } },
        "Reviews": { "type": "array", "items": { "type": "object", "properties": {
            "number": { "type": "integer" },
            "live": { "$ref": "#/components/schemas/Profile" },
            "pending": { "$ref": "#/components/schemas/Profile" },
            "submitted_at": { "type": "integer" } } } },
        "Image": { "type": "object", "properties": {
            "id": { "type": "integer" }, "enterprise": { "type": "integer" },
            "kind": { "type": "string", "enum": ["logo", "banner"] },
            "status": { "type": "string", "enum": ["pending", "approved", "rejected"] },
            "content_type": { "type": "string" }, "size": { "type": "integer" }, "reason": opt,
            "submitted_at": { "type": "integer" }, "reviewed_at": { "type": ["integer", "null"] } } },
        "Images": { "type": "array", "items": { "$ref": "#/components/schemas/Image" } },
        "ImportResult": { "type": "object", "properties": {
            "rows": { "type": "integer" }, "created": { "type": "integer" }, "updated": { "type": "integer" },
            "unchanged": { "type": "integer" }, "orgs_created": { "type": "integer" }, "error_rows": { "type": "integer" },
            "stored": { "type": "integer", "description": "Changes stored in one transaction" },
            "error_file": { "type": ["string", "null"] },
            "problems": { "type": "array", "description": "The first problems in row order; the error file marks them all", "items": {
                "type": "object", "required": ["line", "column", "missing", "reason"], "properties": {
                "line": { "type": "integer" }, "column": { "type": ["string", "null"] }, "missing": { "type": "boolean" }, "reason": { "type": "string" } } } },
            "problem_count": { "type": "integer" } } },
        "JobStarted": { "type": "object", "required": ["id", "status_url"], "properties": {
            "id": { "type": "string", "description": "Random, unguessable" },
            "status_url": { "type": "string", "description": "GET it for the job's state" } } },
        "ImportJob": job_schema("import", json!({ "oneOf": [{ "$ref": "#/components/schemas/ImportResult" }, { "type": "null" }] }),
            &["reading", "checking", "storing", "error_file", "done"]),
        "ExportJob": job_schema("export", json!({ "type": ["object", "null"], "properties": {
                "file_url": { "type": "string" }, "bytes": { "type": "integer" }, "members": { "type": "integer" } } }),
            &["exporting", "done"]),
        "Decision": { "type": "object", "required": ["approve"], "properties": {
            "approve": { "type": "boolean" }, "reason": { "type": ["string", "null"], "description": "Required to reject; shown to the enterprise" } } }
    })
}

/// Paths of the enterprise account and the operator's review queue.
fn account_paths() -> Value {
    let operator = json!([{ "operatorCookie": [] }, { "bearer": [] }]);
    let with_operator = |mut o: Value| {
        if let Some(map) = o.as_object_mut() {
            map.insert("security".into(), operator.clone());
        }
        o
    };
    json!({
        "/api/v1/enterprise": {
            "get": op("The enterprise account: facts, live profile, a waiting change, the last review (recovery email and initial-password setting for the administrator)", None, ("200", Some("EnterpriseAccount")))
        },
        "/api/v1/enterprise/profile": {
            "put": op("Submit a profile change for the operator's review (ENT-1; administrator); the live profile stays until approved", Some("Profile"), ("202", None))
        },
        "/api/v1/enterprise/recovery-email": {
            "put": op("Set or remove the recovery email (ENT-2; administrator, confirmed with the super password)", Some("RecoveryEmail"), ("204", None))
        },
        "/api/v1/enterprise/super-password": {
            "put": op("Change the super password (ENT-3: at least three of upper case, lower case, digits, symbols; administrator, with the current one)", Some("SuperPassword"), ("204", None))
        },
        "/api/v1/enterprise/initial-password": {
            "put": op("Set or clear the initial password of members created from now on (ENT-4; administrator)", Some("InitialPassword"), ("204", None))
        },
        "/api/v1/me/password": {
            "put": op("A member changes its own password (required first after an initial or reset password: until then other requests answer 403 password_change_required)", Some("OwnPassword"), ("204", None))
        },
        "/api/v1/enterprise/images": {
            "get": op("The enterprise's logo and banner: live, waiting for review, last rejected (ENT-5; administrator)", None, ("200", Some("Images")))
        },
        "/api/v1/enterprise/images/{kind}": {
            "parameters": [{ "name": "kind", "in": "path", "required": true, "schema": { "type": "string", "enum": ["logo", "banner"] } }],
            "put": { "summary": "Upload a logo or banner (the file as the body: PNG, JPEG or WebP, at most 1 MiB); it waits for the operator's review and is shown at /public/{number}/{kind} once approved",
                "requestBody": { "required": true, "content": { "image/png": {}, "image/jpeg": {}, "image/webp": {} } },
                "responses": { "202": { "description": "Stored, waiting for review" }, "401": problem(), "403": problem(), "404": problem(), "413": problem(), "415": problem() } }
        },
        "/api/v1/operator/images": {
            "get": with_operator(op("Images waiting for review, oldest first", None, ("200", Some("Images"))))
        },
        "/api/v1/operator/images/{id}": {
            "parameters": id_param(),
            "get": with_operator(json!({ "summary": "The image file, for review", "responses": { "200": { "description": "The image" }, "401": problem(), "404": problem() } }))
        },
        "/api/v1/operator/images/{id}/review": {
            "parameters": id_param(),
            "post": with_operator(op("Approve (it becomes the live image of its kind) or reject (with a reason) a waiting image", Some("Decision"), ("200", Some("Image"))))
        },
        "/api/v1/import/template": {
            "get": { "summary": "The XLSX import template (IMP-1): one column per field, each header's rules as a comment, an example row, the enterprise's roles", "parameters": [{ "name": "lang", "in": "query", "schema": { "type": "string", "enum": ["en", "zh"] } }],
                "responses": { "200": { "description": "XLSX" }, "401": problem() } }
        },
        "/api/v1/import": {
            "post": { "summary": "Import a spreadsheet (IMP-2; manage_members): the file as the body, XLSX or CSV in UTF-8/GBK, at most 10 MiB. Rows are checked with the panel's rules; missing orgs are created; members matched by account are updated; all or nothing unless mode=valid",
                "parameters": [
                    { "name": "mode", "in": "query", "schema": { "type": "string", "enum": ["all", "valid"] } },
                    { "name": "dry_run", "in": "query", "schema": { "type": "boolean" } },
                    { "name": "filename", "in": "query", "schema": { "type": "string" } }],
                "requestBody": { "required": true, "content": { "application/octet-stream": {}, "text/csv": {} } },
                "responses": { "200": { "description": "Done", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ImportResult" } } } },
                    "422": { "description": "Invalid rows (nothing stored in mode all; the error file is at /api/v1/import/errors) or not a readable spreadsheet", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ImportResult" } } } },
                    "400": problem(), "401": problem(), "403": problem(), "413": problem() } }
        },
        "/api/v1/import/errors": {
            "get": { "summary": "The last import's error file (IMP-3): invalid cells red, empty required cells orange, each with a comment; a summary sheet", "responses": { "200": { "description": "XLSX" }, "401": problem(), "403": problem(), "404": problem() } }
        },
        "/api/v1/export": {
            "get": { "summary": "Export what you can see of the tree or a subtree (IMP-4): XLSX or CSV (re-importable, formula-safe), or LDIF (administrator only: it carries password hashes)",
                "parameters": [
                    { "name": "format", "in": "query", "schema": { "type": "string", "enum": ["xlsx", "csv", "ldif"] } },
                    { "name": "org", "in": "query", "schema": { "type": "integer" } },
                    { "name": "lang", "in": "query", "schema": { "type": "string", "enum": ["en", "zh"] } }],
                "responses": { "200": { "description": "The file" }, "400": problem(), "401": problem(), "403": problem(), "404": problem() } }
        },
        "/api/v1/import/jobs": {
            "post": { "summary": "Start an import job (IMP-2 for large files; manage_members): the same file, modes and checks as POST /api/v1/import, read, checked and stored in the background. At most one import per enterprise runs at a time",
                "parameters": [
                    { "name": "mode", "in": "query", "schema": { "type": "string", "enum": ["all", "valid"] } },
                    { "name": "dry_run", "in": "query", "schema": { "type": "boolean" } },
                    { "name": "filename", "in": "query", "schema": { "type": "string" } }],
                "requestBody": { "required": true, "content": { "application/octet-stream": {}, "text/csv": {} } },
                "responses": { "202": { "description": "Started", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/JobStarted" } } } },
                    "400": problem(), "401": problem(), "403": problem(), "409": problem(), "413": problem() } }
        },
        "/api/v1/import/jobs/{id}": {
            "parameters": job_param(),
            "get": { "summary": "An import job: phase and progress while it runs; when done, the import's result (an all-or-nothing import with invalid rows is done with error_rows > 0 and stored 0); when failed (e.g. not a spreadsheet), the reason. Only its starter and the enterprise administrator see it",
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ImportJob" } } } },
                    "401": problem(), "404": problem() } }
        },
        "/api/v1/export/jobs": {
            "post": { "summary": "Start an export job: the same formats, subtree and visibility rules as GET /api/v1/export, written in the background",
                "parameters": [
                    { "name": "format", "in": "query", "schema": { "type": "string", "enum": ["xlsx", "csv", "ldif"] } },
                    { "name": "org", "in": "query", "schema": { "type": "integer" } },
                    { "name": "lang", "in": "query", "schema": { "type": "string", "enum": ["en", "zh"] } }],
                "responses": { "202": { "description": "Started", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/JobStarted" } } } },
                    "400": problem(), "401": problem(), "403": problem(), "404": problem(), "409": problem() } }
        },
        "/api/v1/export/jobs/{id}": {
            "parameters": job_param(),
            "get": { "summary": "An export job; when done, where its file is",
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ExportJob" } } } },
                    "401": problem(), "404": problem() } }
        },
        "/api/v1/export/jobs/{id}/file": {
            "parameters": job_param(),
            "get": { "summary": "The file of a finished export job (the headers of GET /api/v1/export); 409 while it runs or when it failed",
                "responses": { "200": { "description": "The file" }, "401": problem(), "404": problem(), "409": problem() } }
        },
        "/api/v1/operator/reviews": {
            "get": with_operator(op("Profile changes waiting for review, oldest first", None, ("200", Some("Reviews"))))
        },
        "/api/v1/operator/enterprises/{number}/review": {
            "parameters": [{ "name": "number", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } }],
            "post": with_operator(op("Approve (goes live) or reject (with a reason) an enterprise's waiting profile change", Some("Decision"), ("204", None)))
        }
    })
}

/// The document without the tokens' and the operator's parts.
fn core() -> Value {
    let s = |t: &str| json!({ "type": t });
    let opt_s = |t: &str| json!({ "type": [t, "null"] });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "orgdir account center API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Sign in with POST /api/v1/session; send the returned token as `Authorization: Bearer <token>`, or use the session cookie plus `X-CSRF-Token` on state-changing requests. Scripts use an API token (POST /api/v1/tokens; `Authorization: Bearer odt_…`), which acts as its owner. The server operator signs in at POST /api/v1/operator/session. Every change goes through the directory's rules, permissions and management scope."
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "orgdir_session" }
            },
            "schemas": {
                "Problem": { "type": "object", "required": ["type", "title", "status", "code", "detail"], "properties": {
                    "type": s("string"), "title": s("string"), "status": s("integer"), "code": s("string"), "detail": s("string") } },
                "SignIn": { "type": "object", "required": ["enterprise", "password"], "additionalProperties": false, "properties": {
                    "enterprise": s("integer"), "account": opt_s("string"), "password": s("string") } },
                "Me": { "type": "object", "required": ["enterprise", "kind", "dn"], "properties": {
                    "enterprise": s("integer"), "kind": { "enum": ["admin", "member", "service"] }, "dn": s("string"), "member_id": opt_s("integer") } },
                "SignedIn": { "type": "object", "required": ["token", "csrf_token", "expires_in", "me"], "properties": {
                    "token": s("string"), "csrf_token": s("string"), "expires_in": s("integer"), "me": { "$ref": "#/components/schemas/Me" } } },
                "Created": { "type": "object", "required": ["id"], "properties": { "id": s("integer") } },
                "Org": { "type": "object", "required": ["id", "parent", "name", "dn", "members"], "properties": {
                    "id": s("integer"), "parent": opt_s("integer"), "name": s("string"), "dn": s("string"), "members": s("integer") } },
                "Orgs": { "type": "array", "items": { "$ref": "#/components/schemas/Org" } },
                "NewOrg": { "type": "object", "required": ["parent", "name"], "additionalProperties": false, "properties": {
                    "parent": s("integer"), "name": s("string") } },
                "OrgPatch": { "type": "object", "additionalProperties": false, "properties": {
                    "name": s("string"), "parent": s("integer") } },
                "Member": { "type": "object", "required": ["id", "account", "dn", "org", "name", "surname", "role", "scope", "hidden", "disabled", "uid_number", "entry_uuid"], "properties": {
                    "id": s("integer"), "account": s("string"), "dn": s("string"), "org": s("integer"), "name": s("string"), "surname": s("string"),
                    "given_name": opt_s("string"), "mobile": opt_s("string"), "email": opt_s("string"), "title": opt_s("string"), "employee_number": opt_s("string"),
                    "role": s("integer"), "scope": { "type": "array", "items": s("integer") }, "hidden": s("boolean"), "disabled": s("boolean"),
                    "uid_number": s("integer"), "entry_uuid": s("string") } },
                "MemberPage": { "type": "object", "required": ["total", "members"], "properties": {
                    "total": s("integer"), "members": { "type": "array", "items": { "$ref": "#/components/schemas/Member" } } } },
                "NewMember": { "type": "object", "required": ["org", "name", "role"], "additionalProperties": false, "properties": {
                    "account": opt_s("string"), "org": s("integer"), "name": s("string"), "surname": opt_s("string"), "given_name": opt_s("string"),
                    "mobile": opt_s("string"), "email": opt_s("string"), "title": opt_s("string"), "employee_number": opt_s("string"),
                    "role": s("integer"), "scope": { "type": "array", "maxItems": 3, "items": s("integer") }, "hidden": s("boolean"), "password": opt_s("string") } },
                "Role": { "type": "object", "required": ["id", "name", "builtin", "permissions", "members"], "properties": {
                    "id": s("integer"), "name": s("string"), "builtin": { "type": ["string", "null"], "enum": ["enterprise-admin", "system-admin", "info-admin", "member", null] },
                    "permissions": { "type": "array", "items": s("string") }, "members": s("integer") } },
                "Roles": { "type": "array", "items": { "$ref": "#/components/schemas/Role" } },
                "Permissions": { "type": "array", "items": s("string") },
                "Plugins": { "type": "array", "items": { "type": "object", "required": ["id", "name", "description", "enabled", "changed_at", "permissions"], "properties": {
                    "id": s("string"), "name": s("string"), "description": s("string"), "enabled": s("boolean"),
                    "changed_at": opt_s("integer"), "permissions": { "type": "array", "items": s("string") } } } },
                "SetPlugin": { "type": "object", "required": ["enabled"], "additionalProperties": false, "properties": { "enabled": s("boolean") } },
                "NewRole": { "type": "object", "required": ["name"], "additionalProperties": false, "properties": {
                    "name": s("string"), "permissions": { "type": "array", "items": s("string") } } },
                "RolePatch": { "type": "object", "additionalProperties": false, "properties": {
                    "name": s("string"), "permissions": { "type": "array", "items": s("string") } } },
                "AuditPage": { "type": "object", "required": ["entries"], "properties": { "entries": { "type": "array", "items": {
                    "type": "object", "required": ["id", "at", "actor", "source", "action", "target", "detail"], "properties": {
                    "id": s("integer"), "at": s("integer"), "actor": s("string"), "source": s("string"), "action": s("string"),
                    "target": s("string"), "detail": s("string") } } } } },
                "Reassign": { "type": "object", "required": ["name", "password"], "additionalProperties": false, "properties": {
                    "name": s("string"), "surname": opt_s("string"), "mobile": opt_s("string"), "email": opt_s("string"),
                    "title": opt_s("string"), "password": s("string") } },
                "BatchReset": { "type": "object", "required": ["members", "password", "confirm_password"], "additionalProperties": false, "properties": {
                    "members": { "type": "array", "minItems": 1, "maxItems": 1000, "items": s("integer") }, "password": s("string"), "confirm_password": s("string") } },
                "BatchMove": { "type": "object", "required": ["members", "org"], "additionalProperties": false, "properties": {
                    "members": { "type": "array", "minItems": 1, "maxItems": 1000, "items": s("integer") }, "org": s("integer") } },
                "MemberPatch": { "type": "object", "additionalProperties": false, "properties": {
                    "name": s("string"), "surname": s("string"), "given_name": s("string"), "mobile": s("string"), "email": s("string"),
                    "title": s("string"), "employee_number": s("string"), "scope": { "type": "array", "items": s("integer") },
                    "org": s("integer"), "role": s("integer"), "disabled": s("boolean"), "hidden": s("boolean") } }
            }
        },
        "security": [{ "bearer": [] }, { "cookie": [] }],
        "paths": {
            "/api/v1/session": {
                "post": { "security": [], "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SignIn" } } } },
                    "summary": "Sign in (enterprise administrator: number + super password; member: account + password)",
                    "responses": { "200": { "description": "Signed in; also sets the session cookie", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SignedIn" } } } },
                        "400": problem(), "401": problem(), "422": problem() } },
                "delete": op("Sign out", None, ("204", None))
            },
            "/api/v1/me": { "get": op("The signed-in identity", None, ("200", Some("Me"))) },
            "/api/v1/orgs": {
                "get": op("Orgs the caller can see, parents first", None, ("200", Some("Orgs"))),
                "post": op("Add an org (ORG-1, ORG-2 limits)", Some("NewOrg"), ("201", Some("Created")))
            },
            "/api/v1/orgs/{id}": {
                "parameters": id_param(),
                "patch": op("Rename and/or move an org", Some("OrgPatch"), ("204", None)),
                "delete": op("Delete an empty org", None, ("204", None))
            },
            "/api/v1/members": {
                "get": { "summary": "Members the caller can see (ORG-7 search)", "parameters": [
                        { "name": "q", "in": "query", "schema": s("string") }, { "name": "org", "in": "query", "schema": s("integer") },
                        { "name": "limit", "in": "query", "schema": s("integer") }, { "name": "offset", "in": "query", "schema": s("integer") } ],
                    "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/MemberPage" } } } }, "400": problem(), "401": problem() } },
                "post": op("Add a member (ORG-3)", Some("NewMember"), ("201", Some("Created")))
            },
            "/api/v1/members/{id}/reassign": {
                "parameters": id_param(),
                "post": op("Give the account to another person (ORG-5): new entryUUID, groups and role cleared", Some("Reassign"), ("204", None))
            },
            "/api/v1/members/reset-passwords": { "post": op("Reset several members' passwords, confirmed with the caller's own password (ORG-8)", Some("BatchReset"), ("204", None)) },
            "/api/v1/members/move": { "post": op("Move several members to an org, all or none", Some("BatchMove"), ("204", None)) },
            "/api/v1/permissions": { "get": op("Every permission key (ROLE-3): the core's, then `<plugin>.<name>` keys of the plugins the server runs", None, ("200", Some("Permissions"))) },
            "/api/v1/plugins": { "get": op("The plugins this server runs and their state in the caller's enterprise (docs/plugins.md); each plugin's own routes are under /api/v1/p/<id>/ and documented in docs/plugins/", None, ("200", Some("Plugins"))) },
            "/api/v1/plugins/{id}": {
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": s("string") }],
                "put": op("Turn a plugin on or off for the enterprise (the enterprise administrator); the first time, the built-in roles get its default permissions", Some("SetPlugin"), ("204", None))
            },
            "/api/v1/roles": {
                "get": op("Roles with their permissions and member counts (ROLE-1)", None, ("200", Some("Roles"))),
                "post": op("Create a custom role (ROLE-2)", Some("NewRole"), ("201", Some("Created")))
            },
            "/api/v1/roles/{id}": {
                "parameters": id_param(),
                "patch": op("Rename a role or change its permissions", Some("RolePatch"), ("204", None)),
                "delete": op("Delete a custom role; holders become ordinary members", None, ("204", None))
            },
            "/api/v1/audit": { "get": { "summary": "Audit log, newest first", "parameters": [
                    { "name": "actor", "in": "query", "schema": s("string") }, { "name": "action", "in": "query", "schema": s("string") },
                    { "name": "since", "in": "query", "schema": s("integer") }, { "name": "until", "in": "query", "schema": s("integer") },
                    { "name": "before_id", "in": "query", "schema": s("integer") }, { "name": "limit", "in": "query", "schema": s("integer") } ],
                "responses": { "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/AuditPage" } } } }, "401": problem(), "403": problem() } } },
            "/api/v1/members/{id}": {
                "parameters": id_param(),
                "get": op("One member", None, ("200", Some("Member"))),
                "patch": op("Edit, move, change role, disable/enable, hide/unhide", Some("MemberPatch"), ("204", None)),
                "delete": op("Delete a member (ORG-4)", None, ("204", None))
            }
        }
    })
}

/// Schemas of super password recovery (ENT-2) and the SSO hand-off (LOGIN-3).
fn link_schemas() -> Value {
    json!({
        "RecoveryRequest": { "type": "object", "required": ["enterprise"], "additionalProperties": false, "properties": {
            "enterprise": { "type": "integer", "description": "The enterprise number" } } },
        "RecoveryAccepted": { "type": "object", "required": ["status", "detail"], "properties": {
            "status": { "const": "accepted" }, "detail": { "type": "string" } } },
        "RecoveryComplete": { "type": "object", "required": ["token", "password"], "additionalProperties": false, "properties": {
            "token": { "type": "string", "description": "The `token` query parameter of the mailed link" },
            "password": { "type": "string", "description": "The new super password: at least three of upper case, lower case, digits, symbols (ENT-3)" } } },
        "SsoLink": { "type": "object", "required": ["url", "expires_at"], "properties": {
            "url": { "type": "string", "description": "Open it in a browser within a minute; it works once" },
            "expires_at": { "type": "integer", "description": "Unix time" } } }
    })
}

/// Paths of super password recovery and the SSO hand-off.
fn link_paths() -> Value {
    let body = |schema: &str| json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
    json!({
        "/api/v1/recovery": {
            "post": { "security": [], "summary": "Mail a super password recovery link to the enterprise's recovery email (ENT-2). The answer is the same whether or not the enterprise exists or has one",
                "requestBody": body("RecoveryRequest"),
                "responses": { "202": { "description": "Accepted", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/RecoveryAccepted" } } } },
                    "400": problem(), "422": problem(), "429": problem() } }
        },
        "/api/v1/recovery/complete": {
            "post": { "security": [], "summary": "Set a new super password with a recovery link (once; ends the administrator's sessions)",
                "requestBody": body("RecoveryComplete"),
                "responses": { "204": { "description": "The super password is changed" },
                    "400": problem(),
                    "403": { "description": "recovery_link_invalid (application/problem+json)", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } },
                    "410": { "description": "recovery_link_expired or recovery_link_used (application/problem+json)", "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } },
                    "422": problem(), "429": problem() } }
        },
        "/api/v1/sso-link": {
            "post": op("A one-time link that opens the panel as the calling member for a minute (LOGIN-3); members with a session only, not with an API token", None, ("200", Some("SsoLink")))
        }
    })
}
