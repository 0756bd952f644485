package org.twinmail.mail.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.twinmail.mail.header.Header;
import org.twinmail.mail.header.HeaderField;

/**
 * DKIM verification (RFC 6376 6; ed25519-sha256 per RFC 8463) beside the signer, sharing its
 * canonicalization ({@link DkimSigner#relaxedHeader}, {@link DkimSigner.RelaxedBody},
 * {@link DkimSigner.SimpleBody}). The body is hashed once as it streams, into every
 * signature's body hash at once; only the header section is held, up to
 * {@link DkimSigner#MAX_HEADER_BYTES}. Keys come from a {@link DkimKeySource} (the DNS), asked
 * only for signatures whose body hash matched.
 *
 * <p>Per signature: pass; fail (body or signature does not verify, expired, l= past the body);
 * neutral (does not verify, but the key says t=y, testing); temperror (no DNS answer now);
 * permerror (a malformed field or key, no key, a revoked key, an algorithm refused: rsa-sha1
 * is not accepted, RFC 8301). rsa keys under 1024 bits are refused.
 */
public final class DkimVerifier {
    /** Signatures past this many in one message are not evaluated (each costs a DNS query). */
    public static final int DEFAULT_MAX_SIGNATURES = 8;

    private final DkimKeySource keys;
    private final Clock clock;
    private final int maxSignatures;

    public DkimVerifier(DkimKeySource keys, Clock clock, int maxSignatures) {
        if (maxSignatures < 1) throw new IllegalArgumentException("maxSignatures must be at least 1");
        this.keys = keys;
        this.clock = clock;
        this.maxSignatures = maxSignatures;
    }

    /** One result per DKIM-Signature field (top first, at most the limit); empty when the message has none. */
    public List<DkimResult> verify(InputStream message) throws IOException {
        Header header = Header.read(message, DkimSigner.MAX_HEADER_BYTES);
        List<String> fields = new ArrayList<>(header.fields().size());
        for (HeaderField f : header.fields()) fields.add(new String(header.bytes(f), StandardCharsets.ISO_8859_1));
        List<Pending> pending = new ArrayList<>();
        List<DkimResult> results = new ArrayList<>();
        long now = clock.instant().getEpochSecond();
        for (int i = 0; i < fields.size() && pending.size() + results.size() < maxSignatures; i++) {
            String field = fields.get(i);
            if (!DkimSigner.fieldName(field).equals("dkim-signature")) continue;
            if (header.truncated()) {
                results.add(new DkimResult(DkimResult.Result.PERMERROR, "", "", "", "header section too large"));
                continue;
            }
            DkimSignature sig;
            try {
                sig = DkimSignature.parse(value(field));
            } catch (DkimSyntaxException e) {
                results.add(new DkimResult(DkimResult.Result.PERMERROR, "", "", "", e.getMessage()));
                continue;
            }
            String refused = switch (sig.algorithm()) {
                case "rsa-sha256", "ed25519-sha256" -> null;
                case "rsa-sha1" -> "rsa-sha1 is not accepted (RFC 8301)";
                default -> "unknown algorithm";
            };
            if (refused != null) {
                results.add(result(sig, DkimResult.Result.PERMERROR, refused));
            } else if (sig.expiration().isPresent() && sig.expiration().getAsLong() < now) {
                results.add(result(sig, DkimResult.Result.FAIL, "signature expired"));
            } else {
                pending.add(new Pending(sig, i, body(sig)));
            }
        }
        if (!pending.isEmpty()) {
            OutputStream[] sinks = pending.stream().map(p -> p.canonical).toArray(OutputStream[]::new);
            message.transferTo(new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    for (OutputStream s : sinks) s.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    for (OutputStream s : sinks) s.write(b, off, len);
                }
            });
            for (OutputStream s : sinks) s.close();
        }
        List<DkimResult> out = new ArrayList<>(results);
        for (Pending p : pending) out.add(finish(p, fields));
        return out;
    }

    private record Pending(DkimSignature sig, int index, OutputStream canonical, MessageDigest digest, LimitedDigest limited) {
        Pending(DkimSignature sig, int index, Pending body) {
            this(sig, index, body.canonical, body.digest, body.limited);
        }
    }

    private static Pending body(DkimSignature sig) {
        MessageDigest digest = DkimSigner.sha256();
        LimitedDigest limited = sig.length().isPresent() ? new LimitedDigest(digest, sig.length().getAsLong()) : null;
        MessageDigest target = limited != null ? limited : digest;
        OutputStream canonical = sig.bodyCanon().equals("relaxed") ? new DkimSigner.RelaxedBody(target) : new DkimSigner.SimpleBody(target);
        return new Pending(sig, -1, canonical, digest, limited);
    }

    private DkimResult finish(Pending p, List<String> fields) {
        DkimSignature sig = p.sig;
        if (p.limited != null && p.limited.seen() < sig.length().getAsLong()) return result(sig, DkimResult.Result.FAIL, "l= longer than the body");
        if (!MessageDigest.isEqual(p.digest.digest(), sig.bodyHash())) return result(sig, DkimResult.Result.FAIL, "body hash does not match");
        DkimPublicKey key;
        switch (keys.txt(sig.selector() + "._domainkey." + sig.domain())) {
            case DkimKeySource.Answer.Failed f -> {
                return result(sig, DkimResult.Result.TEMPERROR, "key lookup failed: " + f.reason());
            }
            case DkimKeySource.Answer.Missing m -> {
                return result(sig, DkimResult.Result.PERMERROR, "no key for signature");
            }
            case DkimKeySource.Answer.Found found -> {
                key = null;
                String problem = "no key record";
                for (String record : found.records()) {
                    try {
                        key = DkimPublicKey.parse(record);
                        break;
                    } catch (DkimSyntaxException e) {
                        problem = e.getMessage();
                    }
                }
                if (key == null) return result(sig, DkimResult.Result.PERMERROR, problem);
            }
        }
        if (key.key() == null) return result(sig, DkimResult.Result.PERMERROR, "key revoked");
        if (!sig.algorithm().startsWith(key.keyType() + "-")) return result(sig, DkimResult.Result.PERMERROR, "key type does not match a=");
        if (!key.hashes().isEmpty() && !key.hashes().contains("sha256")) return result(sig, DkimResult.Result.PERMERROR, "key does not allow sha256");
        if (key.strict() && !sig.identity().substring(sig.identity().lastIndexOf('@') + 1).equalsIgnoreCase(sig.domain()))
            return result(sig, DkimResult.Result.PERMERROR, "key forbids subdomains in i=");
        byte[] data = signedData(sig, fields, p.index);
        boolean ok;
        try {
            if (key.keyType().equals("rsa")) {
                Signature s = Signature.getInstance("SHA256withRSA");
                s.initVerify(key.key());
                s.update(data);
                ok = s.verify(sig.signature());
            } else {
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(key.key());
                s.update(DkimSigner.sha256().digest(data)); // RFC 8463 3: ed25519 signs the SHA-256 of the header hash input
                ok = s.verify(sig.signature());
            }
        } catch (GeneralSecurityException e) {
            ok = false;
        }
        if (ok) return result(sig, DkimResult.Result.PASS, "signature verified");
        return key.testing() ? result(sig, DkimResult.Result.NEUTRAL, "signature does not verify (key in testing mode)")
                : result(sig, DkimResult.Result.FAIL, "signature does not verify");
    }

    /** RFC 6376 3.7: the h= fields (each name takes the next instance from the bottom), then this field with b= empty and no final CRLF. */
    static byte[] signedData(DkimSignature sig, List<String> fields, int self) {
        boolean relaxed = sig.headerCanon().equals("relaxed");
        boolean[] used = new boolean[fields.size()];
        used[self] = true;
        StringBuilder data = new StringBuilder();
        for (String name : sig.signedHeaders()) {
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (used[i] || !DkimSigner.fieldName(fields.get(i)).equals(name)) continue;
                used[i] = true;
                data.append(relaxed ? DkimSigner.relaxedHeader(fields.get(i)) : fields.get(i));
                break;
            } // a name with no instance left stands for "no such field" and adds nothing
        }
        String own = withoutB(fields.get(self));
        String canonical = relaxed ? DkimSigner.relaxedHeader(own) : own;
        if (canonical.endsWith("\r\n")) canonical = canonical.substring(0, canonical.length() - 2);
        else if (canonical.endsWith("\n")) canonical = canonical.substring(0, canonical.length() - 1);
        data.append(canonical);
        return data.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The field as it is with the value of its b= tag deleted (everything between "b=" and the next ';' or the end). */
    static String withoutB(String field) {
        String end = field.endsWith("\r\n") ? "\r\n" : field.endsWith("\n") ? "\n" : "";
        String f = field.substring(0, field.length() - end.length());
        int start = f.indexOf(':') + 1;
        while (start > 0 && start <= f.length()) {
            int semi = f.indexOf(';', start);
            int stop = semi < 0 ? f.length() : semi;
            int eq = f.indexOf('=', start);
            if (eq >= 0 && eq < stop && f.substring(start, eq).strip().equals("b")) return f.substring(0, eq + 1) + f.substring(stop) + end;
            start = stop + 1;
        }
        return field;
    }

    private static String value(String field) {
        String v = field.substring(field.indexOf(':') + 1);
        return v.endsWith("\r\n") ? v.substring(0, v.length() - 2) : v.strip();
    }

    private static DkimResult result(DkimSignature sig, DkimResult.Result r, String reason) {
        return new DkimResult(r, sig.domain(), sig.selector(), sig.algorithm(), reason);
    }
}
