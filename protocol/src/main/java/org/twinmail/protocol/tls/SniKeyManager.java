package org.twinmail.protocol.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Chooses the certificate for each handshake: among the certificates whose key type the
 * handshake can use (RSA or EC), the first that covers the client's SNI name, else the first
 * of that type in configuration order. The set is swapped whole on reload, so a handshake
 * sees either the old certificates or the new ones, never a mix, and connections already
 * established keep theirs.
 */
final class SniKeyManager extends X509ExtendedKeyManager {
    /** One loaded set; {@code generation} tells sets apart in aliases. */
    private record Snapshot(long generation, List<CertifiedKey> keys) { }

    private volatile Snapshot snapshot;

    SniKeyManager(List<CertifiedKey> keys) {
        this.snapshot = new Snapshot(0, List.copyOf(keys));
    }

    synchronized void replace(List<CertifiedKey> next) {
        snapshot = new Snapshot(snapshot.generation() + 1, List.copyOf(next));
    }

    List<CertifiedKey> keys() {
        return snapshot.keys();
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        SSLSession s = socket instanceof SSLSocket ssl ? ssl.getHandshakeSession() : null;
        return choose(keyType, s);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : engine.getHandshakeSession());
    }

    /**
     * A certificate that covers the SNI name wins over the key-type preference: when the JDK
     * asks for an EC key and only an RSA certificate covers the name, we answer null so it asks
     * again for RSA, instead of sending a certificate for another name. Without SNI, or when no
     * certificate covers the name, the first certificate of the asked type is the default.
     * Aliases are "index:generation" so a handshake never pairs one set's chain with another's key.
     */
    private String choose(String keyType, SSLSession handshake) {
        Snapshot current = snapshot;
        String sni = sniName(handshake);
        boolean anyCovers = sni != null && current.keys().stream().anyMatch(k -> k.covers(sni));
        for (int i = 0; i < current.keys().size(); i++) {
            CertifiedKey k = current.keys().get(i);
            if (usable(k, keyType) && (!anyCovers || k.covers(sni))) return alias(current, i);
        }
        return null;
    }

    private static boolean usable(CertifiedKey k, String keyType) {
        // TLS 1.3 asks for "RSASSA-PSS" as well as "RSA"; an rsaEncryption key serves both (rsa_pss_rsae).
        return k.keyType().equals(keyType) || (keyType.equals("RSASSA-PSS") && k.keyType().equals("RSA"));
    }

    private static String sniName(SSLSession handshake) {
        if (!(handshake instanceof ExtendedSSLSession e)) return null;
        for (SNIServerName n : e.getRequestedServerNames()) {
            if (n instanceof SNIHostName h) return h.getAsciiName();
        }
        return null;
    }

    private static String alias(Snapshot set, int index) {
        return index + ":" + set.generation();
    }

    private CertifiedKey lookup(String alias) {
        if (alias == null) return null;
        int colon = alias.indexOf(':');
        if (colon < 0) return null;
        // A reload between choosing and fetching: the alias names the old set, which we no longer
        // hold, so the handshake fails cleanly instead of sending a chain with the wrong key.
        Snapshot current = snapshot;
        if (!alias.substring(colon + 1).equals(String.valueOf(current.generation()))) return null;
        int i = Integer.parseInt(alias.substring(0, colon));
        return i < current.keys().size() ? current.keys().get(i) : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        CertifiedKey k = lookup(alias);
        return k == null ? null : k.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        CertifiedKey k = lookup(alias);
        return k == null ? null : k.key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        Snapshot current = snapshot;
        return java.util.stream.IntStream.range(0, current.keys().size()).filter(i -> usable(current.keys().get(i), keyType))
                .mapToObj(i -> alias(current, i)).toArray(String[]::new);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null; // server side only
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
