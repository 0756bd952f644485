"""Python's smtplib and poplib over TLS against a running TwinMail node.

Usage: tls_clients.py SUBMISSION_PORT SUBMISSIONS_PORT POP3_PORT POP3S_PORT USER PASSWORD RECIPIENT OTHER_USER

The node refuses passwords before TLS (auth.plaintextAuth: never) and uses a self-signed
certificate, which these clients are told to accept. Each check prints "ok: ..."; any
failure raises and exits non-zero.
"""
import poplib
import smtplib
import ssl
import sys

HOST = "127.0.0.1"
sub_port, subs_port, pop_port, pops_port = (int(a) for a in sys.argv[1:5])
user, password, rcpt, other = sys.argv[5:9]


def context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the node's first-start certificate is self-signed
    return ctx


def message(sender, subject):
    return f"From: {sender}\r\nTo: {rcpt}\r\nSubject: {subject}\r\n\r\nsent by python\r\n"


# 587: no AUTH before STARTTLS, then login and send
with smtplib.SMTP(HOST, sub_port, timeout=30) as s:
    s.ehlo("py.client")
    assert not s.has_extn("auth"), s.esmtp_features
    try:
        s.login(user, password)
        raise AssertionError("login before STARTTLS was accepted")
    except smtplib.SMTPNotSupportedError:
        print("ok: no AUTH before STARTTLS")
    code, _ = s.docmd("AUTH", "PLAIN AGEAYg==")
    assert code == 538, code
    print("ok: AUTH before STARTTLS 538")
    s.starttls(context=context())
    s.ehlo("py.client")
    assert s.has_extn("auth"), s.esmtp_features
    s.login(user, password)
    s.sendmail(user, [rcpt], message(user, "via 587"))
    print("ok: submission starttls sent")

# wrong password
with smtplib.SMTP(HOST, sub_port, timeout=30) as s:
    s.starttls(context=context())
    try:
        s.login(user, password + "-wrong")
        raise AssertionError("wrong password accepted")
    except smtplib.SMTPAuthenticationError as e:
        assert e.smtp_code == 535, e
        print("ok: wrong password 535")

# sender spoofing: another user's address
with smtplib.SMTP(HOST, sub_port, timeout=30) as s:
    s.starttls(context=context())
    s.login(user, password)
    try:
        s.sendmail(other, [rcpt], message(other, "spoofed"))
        raise AssertionError("spoofed sender accepted")
    except smtplib.SMTPSenderRefused as e:
        assert e.smtp_code == 553, e
        print("ok: spoofed sender 553")

# 465: implicit TLS
with smtplib.SMTP_SSL(HOST, subs_port, timeout=30, context=context()) as s:
    s.login(user, password)
    s.sendmail(user, [rcpt], message(user, "via 465"))
    print("ok: submissions sent")

# POP3 with STLS, as the recipient
p = poplib.POP3(HOST, pop_port, timeout=30)
assert "STLS" in p.capa(), p.capa()
p.stls(context=context())
p.user(rcpt)
p.pass_(password)
count, _ = p.stat()
assert count == 2, count
subjects = [b"\n".join(p.retr(i)[1]) for i in (1, 2)]
assert any(b"via 587" in m for m in subjects) and any(b"via 465" in m for m in subjects), subjects
assert not any(b"spoofed" in m for m in subjects)
p.quit()
print("ok: poplib stls retrieved 2")

# POP3S
p = poplib.POP3_SSL(HOST, pops_port, timeout=30, context=context())
p.user(rcpt)
p.pass_(password)
count, _ = p.stat()
assert count == 2, count
p.quit()
print("ok: poplib POP3_SSL")
