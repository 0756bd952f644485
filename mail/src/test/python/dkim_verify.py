#!/usr/bin/python3
"""Verifies DKIM signatures with dkimpy (Debian python3-dkim), an implementation independent
of ours, fetching the keys' TXT records from the test's DNS server (never the real DNS).

usage: dkim_verify.py DNS_HOST DNS_PORT MESSAGE_FILE...
prints "<file> pass" or "<file> fail: <reason>" per file; exits 0 when every file was checked.
"""
import logging
import sys

import dkim
import dns.resolver

host, port, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [host]
resolver.port = port
resolver.lifetime = 10


def txt(name, timeout=5):
    name = name.decode() if isinstance(name, bytes) else name
    try:
        answer = resolver.resolve(name, 'TXT')
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return None
    # A record split into several character-strings is their concatenation (RFC 6376 3.6.2.2).
    return b''.join(answer[0].strings)


class Reasons(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


for f in files:
    with open(f, 'rb') as fh:
        data = fh.read()
    reasons = Reasons()
    log = logging.getLogger('dkim.' + f)
    log.setLevel(logging.DEBUG)
    log.addHandler(reasons)
    try:
        ok = dkim.verify(data, logger=log, dnsfunc=txt)
    except Exception as e:  # a malformed signature raises rather than returning False
        ok = False
        reasons.messages.append(repr(e))
    print(f + (' pass' if ok else ' fail: ' + ' | '.join(m for m in reasons.messages if m)[-400:]))
sys.stdout.flush()
