package org.twinmail.protocol.tls;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * One certificate chain (leaf first) with its private key, and the DNS names the leaf is
 * valid for (subjectAltName dNSName entries; the subject CN only when there are none), which
 * is what SNI selection matches against.
 */
public record CertifiedKey(List<X509Certificate> chain, PrivateKey key, Set<String> names, Path certificateFile, Path keyFile) {

    public CertifiedKey {
        chain = List.copyOf(chain);
        names = Set.copyOf(names);
        if (chain.isEmpty()) throw new IllegalArgumentException("empty certificate chain");
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    /** "RSA" or "EC": the key type the JDK asks a key manager for. */
    public String keyType() {
        return key.getAlgorithm();
    }

    /** True if this certificate covers {@code host} (exact name or a one-label wildcard, RFC 6125 6.4.3). */
    public boolean covers(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String n : names) {
            if (n.equals(h)) return true;
            if (n.startsWith("*.")) {
                int dot = h.indexOf('.');
                if (dot > 0 && h.substring(dot).equals(n.substring(1))) return true;
            }
        }
        return false;
    }

    static Set<String> dnsNames(X509Certificate cert) {
        Set<String> names = new LinkedHashSet<>();
        try {
            var sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) names.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                }
            }
        } catch (CertificateParsingException e) {
            // an unreadable SAN extension: fall back to the CN below
        }
        if (names.isEmpty()) {
            String dn = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
            for (String part : dn.split(",")) {
                if (part.regionMatches(true, 0, "CN=", 0, 3)) names.add(part.substring(3).toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    /** For logs: the names and the expiry. */
    public String describe() {
        return String.join(",", names) + " (" + keyType() + ", expires " + leaf().getNotAfter().toInstant() + ")";
    }
}
