#!/usr/bin/python3
"""A remote SMTP server for the relay's tests, on aiosmtpd (Debian python3-aiosmtpd).

    sink.py PORT DIR [--no-smtputf8] [--tls CERT KEY] [--auth USER:PASSWORD]

Listens on 127.0.0.1:PORT. Each accepted message is written to DIR/N.eml (the data as
received) with DIR/N.json beside it (mail_from, rcpt_tos, mail_options); the .json file
appears last, so a test that sees it can read both. DIR/rules.json, re-read at every
command, lets the test script replies: {"rcpt": {"address": ["451 4.7.1 later", "250 OK"]},
"data": ["452 4.3.1 full"]}; each list is consumed in order (the last entry repeats), and an
address without rules gets 250. DIR/rcpt.log gets one line per RCPT: the address and the reply.
With --auth, AUTH (PLAIN/LOGIN, only after STARTTLS) is required before MAIL, as at a
provider's submission port. Prints READY on stdout once it listens.
"""
import asyncio
import json
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.counts = {}
        self.seq = 0

    def rules(self):
        try:
            with open(os.path.join(self.directory, "rules.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def next_reply(self, key, replies):
        n = self.counts.get(key, 0)
        self.counts[key] = n + 1
        return replies[min(n, len(replies) - 1)]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        replies = self.rules().get("rcpt", {}).get(address)
        reply = self.next_reply("rcpt " + address, replies) if replies else "250 2.1.5 OK"
        with open(os.path.join(self.directory, "rcpt.log"), "a") as log:
            log.write(address + " " + reply + "\n")
        if reply.startswith("2"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server, session, envelope):
        replies = self.rules().get("data")
        reply = self.next_reply("data", replies) if replies else "250 2.0.0 accepted"
        if not reply.startswith("2"):
            return reply
        self.seq += 1
        base = os.path.join(self.directory, "%d-%d" % (int(time.time() * 1000), self.seq))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content)
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                "mail_options": envelope.mail_options, "tls": session.ssl is not None,
                "auth": session.auth_data if session.authenticated else None}
        with open(base + ".tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".tmp", base + ".json")
        return reply


def main():
    port = int(sys.argv[1])
    directory = sys.argv[2]
    smtputf8 = "--no-smtputf8" not in sys.argv
    tls_context = None
    if "--tls" in sys.argv:
        i = sys.argv.index("--tls")
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(sys.argv[i + 1], sys.argv[i + 2])
    auth = {}
    if "--auth" in sys.argv:
        user, password = sys.argv[sys.argv.index("--auth") + 1].split(":", 1)

        def authenticator(server, session, envelope, mechanism, data):
            if isinstance(data, LoginPassword) and data.login.decode() == user and data.password.decode() == password:
                return AuthResult(success=True, auth_data=user)
            return AuthResult(success=False, handled=False)

        auth = {"authenticator": authenticator, "auth_required": True, "auth_require_tls": True}
    controller = Controller(Handler(directory), hostname="127.0.0.1", port=port, enable_SMTPUTF8=smtputf8,
                            decode_data=False, tls_context=tls_context, require_starttls=False,
                            server_hostname="sink.test", **auth)
    controller.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()  # the test closes our stdin (or kills us) to stop
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
