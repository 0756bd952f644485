#!/usr/bin/env python3
"""Python's imaplib, an independent IMAP client, against TwinMail: argv = port user password.

Prints "ok: <step>" per step; any failure raises and exits non-zero."""
import imaplib
import sys
import time

port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]


def ok(typ, data, what):
    if typ != "OK":
        raise SystemExit(f"{what} failed: {typ} {data}")
    return data


m = imaplib.IMAP4("127.0.0.1", port)
assert "IMAP4REV1" in m.capabilities, m.capabilities
ok(*m.login(user, password), "login")
print("ok: login")

typ, boxes = m.list()
names = [b.decode().rsplit(' ', 1)[-1].strip('"') for b in boxes]
assert "INBOX" in names and "Sent" in names, names
print("ok: list", len(names))

ok(*m.create("Reports/2026"), "create")
msg = (b"From: Py Thon <py@example.org>\r\nTo: " + user.encode() + b"\r\nSubject: quarterly numbers\r\n"
       b"Content-Type: text/plain; charset=utf-8\r\n\r\nRevenue went up.\r\n")
typ, data = m.append("Reports/2026", r"(\Flagged)", imaplib.Time2Internaldate(time.time()), msg)
ok(typ, data, "append")
assert b"APPENDUID" in data[0], data
print("ok: append")

typ, data = m.select("Reports/2026")
ok(typ, data, "select")
assert data[0] == b"1", data
typ, data = m.fetch("1", "(FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT])")
ok(typ, data, "fetch")
assert b"\\Flagged" in data[0][0] and b"RFC822.SIZE %d" % len(msg) in data[0][0], data
assert data[0][1].strip() == b"Subject: quarterly numbers", data
assert data[1][1] == b"Revenue went up.\r\n", data
print("ok: fetch")

typ, data = m.search(None, "SUBJECT", "quarterly", "FLAGGED")
ok(typ, data, "search")
assert data[0] == b"1", data
typ, data = m.search(None, "BODY", "nothing-like-this")
assert data[0] == b"", data
print("ok: search")

ok(*m.store("1", "+FLAGS", r"(\Seen $Reviewed)"), "store")
typ, data = m.fetch("1", "(FLAGS)")
assert b"$Reviewed" in data[0] and b"\\Seen" in data[0], data
print("ok: store")

typ, data = m.uid("COPY", "1", "INBOX")
ok(typ, data, "uid copy")
ok(*m.store("1", "+FLAGS", r"(\Deleted)"), "delete")
typ, data = m.expunge()
ok(typ, data, "expunge")
assert data == [b"1"], data
print("ok: copy and expunge")

typ, data = m.status("INBOX", "(MESSAGES UNSEEN)")
ok(typ, data, "status")
assert b"MESSAGES 1" in data[0] and b"UNSEEN 0" in data[0], data
print("ok: status")

ok(*m.close(), "close")
ok(*m.rename("Reports/2026", "Reports/2025"), "rename")
ok(*m.delete("Reports/2025"), "delete mailbox")
typ, data = m.list('""', "Reports*")
assert data == [None] or data == [], data
print("ok: rename and delete")

typ, data = m.select("Nowhere")
assert typ == "NO", (typ, data)
m.logout()
print("ok: logout")
