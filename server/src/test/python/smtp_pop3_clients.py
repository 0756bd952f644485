#!/usr/bin/env python3
"""End-to-end check of TwinMail with Python's own smtplib and poplib.

Run by the JUnit suite (PythonClientsTest) against a server it started:
    smtp_pop3_clients.py SMTP_PORT POP3_PORT USER PASSWORD OTHER_USER
Exits 0 and prints one "ok: ..." line per check; any failed check raises.
"""
import email
import poplib
import smtplib
import sys
from email.message import EmailMessage

host = "127.0.0.1"
smtp_port, pop3_port = int(sys.argv[1]), int(sys.argv[2])
user, password, other = sys.argv[3], sys.argv[4], sys.argv[5]

# 1. Send with smtplib: EHLO features, a UTF-8 body (8BITMIME), two recipients.
msg = EmailMessage()
msg["From"] = "sender@python.example"
msg["To"] = user
msg["Subject"] = "Grüße from smtplib"
msg.set_content("Hällo wörld\n.leading dot line\nend\n", charset="utf-8", cte="8bit")
with smtplib.SMTP(host, smtp_port, timeout=30) as s:
    code, _ = s.ehlo("client.python.example")
    assert code == 250, code
    for ext in ("size", "8bitmime", "pipelining", "enhancedstatuscodes", "smtputf8"):
        assert s.has_extn(ext), "missing EHLO extension " + ext
    refused = s.send_message(msg, to_addrs=[user, other], mail_options=["BODY=8BITMIME"])
    assert refused == {}, refused
print("ok: smtplib sent to two recipients with 8BITMIME")

# 2. An unknown local user is refused at RCPT with 550 5.1.1; a remote domain with 5.7.1.
with smtplib.SMTP(host, smtp_port, timeout=30) as s:
    s.ehlo()
    s.mail("x@python.example")
    code, text = s.rcpt("nobody-here@" + user.split("@")[1])
    assert code == 550 and b"5.1.1" in text, (code, text)
    code, text = s.rcpt("someone@not-ours.example")
    assert code in (550, 554) and b"5.7.1" in text, (code, text)
print("ok: unknown user 550 5.1.1, relay denied 5.7.1")

# 3. Read and delete with poplib; the body arrives intact, dot-stuffing undone.
p = poplib.POP3(host, pop3_port, timeout=30)
try:
    caps = p.capa()
    assert "UIDL" in caps and "TOP" in caps, caps
    p.user(user)
    p.pass_(password)
    count, size = p.stat()
    assert count == 1, count
    uidl_before = p.uidl(1)
    lines = p.retr(1)[1]
    parsed = email.message_from_bytes(b"\r\n".join(lines))
    assert parsed["Subject"] is not None
    body = parsed.get_payload(decode=True).decode("utf-8")
    assert "Hällo wörld" in body and ".leading dot line" in body, body
    assert parsed["Return-Path"] == "<sender@python.example>", parsed["Return-Path"]
    assert parsed["Received"] is not None
    p.dele(1)
finally:
    p.quit()
print("ok: poplib retrieved the message intact and deleted it")

# 4. After QUIT the deletion took effect; a wrong password is refused.
p = poplib.POP3(host, pop3_port, timeout=30)
p.user(user)
p.pass_(password)
assert p.stat()[0] == 0
p.quit()
p = poplib.POP3(host, pop3_port, timeout=30)
p.user(user)
try:
    p.pass_("wrong-" + password)
    raise AssertionError("wrong password accepted")
except poplib.error_proto as e:
    assert b"-ERR" in e.args[0]
p.quit()
print("ok: deletion kept after QUIT; wrong password refused")

# 5. The other recipient still has its copy.
p = poplib.POP3(host, pop3_port, timeout=30)
p.user(other)
p.pass_(password)
assert p.stat()[0] == 1
p.quit()
print("ok: second recipient has its own copy")
