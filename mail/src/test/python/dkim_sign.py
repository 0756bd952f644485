#!/usr/bin/python3
"""Signs a message with dkimpy (Debian python3-dkim), an implementation independent of ours, for
DkimVerifierTest to verify.

usage: dkim_sign.py SELECTOR DOMAIN KEY HEADER_CANON/BODY_CANON LENGTH(0|1) IN OUT
KEY is a PEM private key file for rsa-sha256, or "ed25519": then a fresh key is made (python3-nacl)
and its public half printed as "p=<base64>" for the test to publish.
Writes the signed message (the DKIM-Signature field first) to OUT.
"""
import base64
import sys

import dkim

selector, domain, key, canon, length, src, dst = sys.argv[1:8]
with open(src, 'rb') as fh:
    message = fh.read()
hc, bc = canon.encode().split(b'/')
if key == 'ed25519':
    import nacl.signing
    sk = nacl.signing.SigningKey.generate()
    privkey = base64.b64encode(bytes(sk))
    print('p=' + base64.b64encode(bytes(sk.verify_key)).decode())
    algorithm = b'ed25519-sha256'
else:
    with open(key, 'rb') as fh:
        privkey = fh.read()
    algorithm = b'rsa-sha256'
sig = dkim.sign(message, selector.encode(), domain.encode(), privkey, canonicalize=(hc, bc),
                signature_algorithm=algorithm, length=(length == '1'))
with open(dst, 'wb') as fh:
    fh.write(sig + message)
sys.stdout.flush()
