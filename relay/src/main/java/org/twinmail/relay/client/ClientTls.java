package org.twinmail.relay.client;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client-side TLS for outgoing SMTP. Two policies:
 * <ul>
 *   <li>opportunistic (RFC 7435, RFC 3207 for MTAs): encrypt whenever the server offers
 *       STARTTLS, but accept any certificate. Without DANE or MTA-STS an MX host's name is
 *       not authenticated by DNS anyway, and refusing to deliver over a self-signed
 *       certificate would only push delivery back to plaintext, as Postfix's "may" level
 *       documents;</li>
 *   <li>verified: the JDK's trusted roots and the host name (HTTPS rules), for a smarthost
 *       the administrator named.</li>
 * </ul>
 * TLS 1.2 and 1.3 only, like our server side.
 */
public final class ClientTls {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SSLContext context;
    private final boolean verify;

    private ClientTls(SSLContext context, boolean verify) {
        this.context = context;
        this.verify = verify;
    }

    public static ClientTls opportunistic() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new AcceptAll()}, null);
            return new ClientTls(c, false);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS: " + e, e);
        }
    }

    public static ClientTls verified() {
        try {
            return new ClientTls(SSLContext.getDefault(), true);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no default TLS context: " + e, e);
        }
    }

    public boolean verifies() {
        return verify;
    }

    SSLContext context() {
        return context;
    }

    SSLParameters parameters(String hostName) {
        SSLParameters p = context.getDefaultSSLParameters();
        p.setProtocols(PROTOCOLS);
        if (verify) p.setEndpointIdentificationAlgorithm("HTTPS");
        if (hostName != null && !hostName.isEmpty()) {
            try {
                p.setServerNames(java.util.List.of(new javax.net.ssl.SNIHostName(hostName)));
            } catch (IllegalArgumentException notADnsName) {
                // an address literal: no SNI (RFC 6066 3 allows host names only)
            }
        }
        return p;
    }

    /** Trusts every certificate: opportunistic TLS only (see the class comment). */
    private static final class AcceptAll extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) { }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
