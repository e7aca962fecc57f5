#!/usr/bin/env python3
"""Checks an orgdir demo server with the Python ldap3 client (what many web apps use).

Usage: check_ldap3.py HOST PORT CA_PEM [LDAPS_PORT]

Run by the Rust e2e test `python_ldap3`; exits 0 when every check passes, otherwise
prints what failed and exits 1. Every network operation has a timeout.
"""

import ssl
import sys
import traceback

import ldap3
from ldap3 import ALL, NONE, SUBTREE, Connection, Server, Tls

BASE = "dc=example,dc=com"
READER_DN = "cn=reader,cn=services,dc=example,dc=com"
READER_PW = "Reader-Passw0rd"
ZHANG_DN = "uid=10001,ou=Platform,ou=Engineering,dc=example,dc=com"
ENGINEERING_GROUP = "cn=engineering,cn=groups,dc=example,dc=com"
TIMEOUT = 60  # seconds; a failure bound on a busy CI machine, never a timing assertion


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def norm_dn(dn):
    return ",".join(part.strip().lower() for part in str(dn).split(","))


def as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def tls(ca_path):
    return Tls(
        validate=ssl.CERT_REQUIRED,
        ca_certs_file=ca_path,
        valid_names=["127.0.0.1", "localhost"],
    )


def reader(server):
    conn = Connection(
        server,
        user=READER_DN,
        password=READER_PW,
        receive_timeout=TIMEOUT,
        raise_exceptions=False,
    )
    check(conn.bind(), "reader bind failed: %s" % (conn.result,))
    return conn


def check_schema_and_search(host, port):
    server = Server(host, port=port, get_info=ALL, connect_timeout=TIMEOUT)
    conn = reader(server)
    # get_info=ALL reads the RootDSE and the subschema entry after the bind.
    check(server.info is not None, "RootDSE was not read")
    contexts = [norm_dn(nc) for nc in as_list(server.info.naming_contexts)]
    check(norm_dn(BASE) in contexts, "namingContexts %r lacks %s" % (contexts, BASE))
    schema = server.schema
    check(schema is not None, "subschema was not loaded")
    for attr in ("memberOf", "uidNumber", "uid", "mail", "entryUUID"):
        check(attr in schema.attribute_types, "schema lacks attribute type %s" % attr)
    for oc in ("inetOrgPerson", "posixAccount", "groupOfNames", "organizationalUnit"):
        check(oc in schema.object_classes, "schema lacks object class %s" % oc)

    ok = conn.search(BASE, "(uid=10001)", SUBTREE, attributes=["cn", "mail", "memberOf"])
    check(ok, "search (uid=10001) failed: %s" % (conn.result,))
    check(len(conn.entries) == 1, "(uid=10001) found %d entries" % len(conn.entries))
    entry = conn.entries[0]
    check(norm_dn(entry.entry_dn) == norm_dn(ZHANG_DN), "dn %s" % entry.entry_dn)
    attrs = entry.entry_attributes_as_dict
    check(as_list(attrs.get("cn")) == ["Zhang Wei"], "cn %r" % (attrs.get("cn"),))
    check(
        as_list(attrs.get("mail")) == ["zhang.wei@example.com"],
        "mail %r" % (attrs.get("mail"),),
    )
    groups = [norm_dn(g) for g in as_list(attrs.get("memberOf"))]
    check(norm_dn(ENGINEERING_GROUP) in groups, "memberOf %r" % groups)

    # RFC 2696 paged results, 10 per page: all 50 members (the reader sees hidden ones).
    entries = conn.extend.standard.paged_search(
        BASE,
        "(objectClass=inetOrgPerson)",
        SUBTREE,
        attributes=["uid"],
        paged_size=10,
        generator=False,
    )
    check(conn.result.get("result") == 0, "paged search failed: %s" % (conn.result,))
    uids = [
        as_list(e["attributes"].get("uid"))[0]
        for e in entries
        if e.get("type") == "searchResEntry"
    ]
    check(len(uids) == 50, "paged search returned %d entries" % len(uids))
    check(
        sorted(uids) == [str(n) for n in range(10001, 10051)],
        "paged search uids %r" % sorted(uids),
    )

    # userPassword is never readable. (ldap3 lists requested but absent attributes with an
    # empty value list, so look at the values.)
    conn.search(BASE, "(uid=10001)", SUBTREE, attributes=["userPassword", "*"])
    check(len(conn.response or []) == 1, "(uid=10001) with userPassword: %s" % (conn.result,))
    for e in conn.response:
        for name, vals in e.get("raw_attributes", {}).items():
            check(
                name.lower() != "userpassword" or not vals,
                "userPassword returned for %s" % e.get("dn"),
            )
    conn.unbind()


def check_starttls(host, port, ca_path):
    server = Server(host, port=port, tls=tls(ca_path), get_info=NONE, connect_timeout=TIMEOUT)
    conn = Connection(
        server,
        user=READER_DN,
        password=READER_PW,
        receive_timeout=TIMEOUT,
        raise_exceptions=False,
    )
    check(conn.open() is not False, "connect failed: %s" % (conn.result,))
    check(conn.start_tls(), "StartTLS failed: %s" % (conn.result,))
    check(conn.tls_started, "TLS not started")
    check(conn.bind(), "bind after StartTLS failed: %s" % (conn.result,))
    who = conn.extend.standard.who_am_i()
    check(norm_dn(str(who).removeprefix("dn:")) == norm_dn(READER_DN), "whoami %r" % who)
    conn.unbind()


def check_starttls_rejects_wrong_ca(host, port):
    # The system CA bundle did not sign the demo certificate: the handshake must fail.
    bundle = "/etc/ssl/certs/ca-certificates.crt"
    try:
        open(bundle, "rb").close()
    except OSError:
        return  # no bundle on this machine; the ldap-utils tests cover this case
    server = Server(host, port=port, tls=tls(bundle), get_info=NONE, connect_timeout=TIMEOUT)
    conn = Connection(server, receive_timeout=TIMEOUT, raise_exceptions=False)
    conn.open()
    try:
        started = conn.start_tls()
    except Exception:  # ldap3 raises on certificate failures
        started = False
    check(not started, "StartTLS succeeded with an unrelated CA")


def check_ldaps(host, ldaps_port, ca_path):
    server = Server(
        host,
        port=ldaps_port,
        use_ssl=True,
        tls=tls(ca_path),
        get_info=NONE,
        connect_timeout=TIMEOUT,
    )
    conn = reader(server)
    ok = conn.search(BASE, "(uid=10001)", SUBTREE, attributes=["cn"])
    check(ok and len(conn.entries) == 1, "LDAPS search failed: %s" % (conn.result,))
    conn.unbind()


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    host, port, ca_path = argv[1], int(argv[2]), argv[3]
    checks = [
        ("schema and search", lambda: check_schema_and_search(host, port)),
        ("StartTLS", lambda: check_starttls(host, port, ca_path)),
        ("StartTLS with a wrong CA", lambda: check_starttls_rejects_wrong_ca(host, port)),
    ]
    if len(argv) == 5:
        ldaps_port = int(argv[4])
        checks.append(("LDAPS", lambda: check_ldaps(host, ldaps_port, ca_path)))
    failed = 0
    for name, run in checks:
        try:
            run()
            print("ok   %s" % name)
        except CheckFailed as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
        except Exception:
            failed += 1
            print("FAIL %s: unexpected exception" % name)
            traceback.print_exc(file=sys.stdout)
    print("ldap3 %s: %d of %d checks failed" % (ldap3.__version__, failed, len(checks)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
