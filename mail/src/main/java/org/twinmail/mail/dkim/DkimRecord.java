package org.twinmail.mail.dkim;

import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A domain's DKIM key as the DNS must publish it (RFC 6376 3.6.1): the TXT record
 * {@code <selector>._domainkey.<domain>} holding {@code v=DKIM1; k=rsa; p=<public key>}.
 *
 * @param domain the signing domain (d=)
 * @param selector the selector (s=)
 * @param keyFile where the private key lives
 * @param publicKey the public half, published in p=
 */
public record DkimRecord(String domain, String selector, Path keyFile, RSAPublicKey publicKey) {
    /** A TXT record's character-strings hold at most 255 octets each (RFC 1035 3.3.14). */
    static final int TXT_STRING_MAX = 255;

    /** The owner name, with the trailing dot of a zone file. */
    public String txtName() {
        return selector + "._domainkey." + domain + ".";
    }

    /** Key size in bits. */
    public int bits() {
        return publicKey.getModulus().bitLength();
    }

    /** The record's text, unsplit: {@code v=DKIM1; k=rsa; p=...} (p= is the DER SubjectPublicKeyInfo in base64). */
    public String txtValue() {
        return "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    /** The text cut into character-strings of at most 255 octets; verifiers join them without separator (RFC 6376 3.6.2.2). */
    public List<String> txtStrings() {
        String v = txtValue();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.length(); i += TXT_STRING_MAX) out.add(v.substring(i, Math.min(v.length(), i + TXT_STRING_MAX)));
        return out;
    }

    /** One zone-file line to publish: {@code s._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p=..." "..."}. */
    public String zoneLine() {
        StringBuilder b = new StringBuilder(txtName()).append(" IN TXT");
        for (String s : txtStrings()) b.append(" \"").append(s).append('"'); // base64 and "v=DKIM1; k=rsa; p=" need no escaping
        return b.toString();
    }
}
