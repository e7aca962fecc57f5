"""A real SMTP server on loopback for orgdir's mail tests (tests/e2e/mail.rs).

Usage: smtp_sink.py OUTDIR [--mode none|starttls|tls] [--cert PEM --key PEM]
                           [--user NAME --password PW]

Listens on 127.0.0.1 on a free port and prints one JSON line per event on stdout:
  {"port": N}                                   once, when it listens;
  {"file": PATH, "tls": bool, "auth": NAME|null, "mail_from": ..., "rcpt_tos": [...]}
                                                per message, after saving it to OUTDIR.
With --mode starttls, clients must upgrade the connection before MAIL; with --user, they
must authenticate (only over TLS). Runs until killed or until its stdin closes.
"""

import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.outdir, "%04d.eml" % self.count)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
        os.rename(tmp, path)
        tls = session.ssl is not None or (
            server.transport is not None
            and server.transport.get_extra_info("ssl_object") is not None
        )
        login = None
        if isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode()
        emit({
            "file": path,
            "tls": tls,
            "auth": login,
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
        })
        return "250 Message accepted for delivery"


def main():
    # aiosmtpd logs a deprecation of an attribute it sets itself on every AUTH.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    p = argparse.ArgumentParser()
    p.add_argument("outdir")
    p.add_argument("--mode", choices=["none", "starttls", "tls"], default="none")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    a = p.parse_args()

    context = None
    if a.mode != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == a.user
            and auth_data.password.decode() == a.password
        )
        return AuthResult(success=ok, auth_data=auth_data if ok else None)

    handler = Sink(a.outdir)

    def factory():
        kwargs = {"hostname": "smtp-sink.test"}
        if a.mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        if a.user is not None:
            kwargs.update(
                authenticator=authenticator,
                auth_required=True,
                auth_require_tls=a.mode == "starttls",
            )
        return SMTP(handler, **kwargs)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            factory,
            host="127.0.0.1",
            port=0,
            ssl=context if a.mode == "tls" else None,
        )
    )
    emit({"port": server.sockets[0].getsockname()[1]})

    def watch_stdin():
        sys.stdin.read()
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=watch_stdin, daemon=True).start()
    loop.run_forever()


if __name__ == "__main__":
    main()
