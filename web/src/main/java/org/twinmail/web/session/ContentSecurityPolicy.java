package org.twinmail.web.session;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.twinmail.http.Exchange;

/**
 * The Content-Security-Policy of our pages (webmail and console), with a fresh nonce per
 * response: scripts run only from a {@code <script nonce>} of that response and what it loads
 * ({@code 'strict-dynamic'}: ES module imports), nothing inline, no plugins, no framing of our
 * pages, no {@code <base>}, forms post to ourselves, requests go to ourselves only. An
 * application changes a directive with {@link #with}; {@link #apply} also sets the other
 * headers every page gets.
 */
public final class ContentSecurityPolicy {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<String, String> directives;

    private ContentSecurityPolicy(Map<String, String> directives) {
        this.directives = directives;
    }

    /** The shared policy; {@code {nonce}} stands for the response's nonce. */
    public static ContentSecurityPolicy pages() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("default-src", "'none'");
        d.put("script-src", "'nonce-{nonce}' 'strict-dynamic'");
        d.put("style-src", "'self' 'nonce-{nonce}'");
        d.put("img-src", "'self' data: blob:");
        d.put("font-src", "'self'");
        d.put("connect-src", "'self'");
        d.put("manifest-src", "'self'");
        d.put("worker-src", "'self'");
        d.put("frame-src", "'self'");
        d.put("form-action", "'self'");
        d.put("frame-ancestors", "'none'");
        d.put("base-uri", "'none'");
        d.put("object-src", "'none'");
        return new ContentSecurityPolicy(d);
    }

    /** This policy with {@code directive} set to {@code sources} (empty: the directive removed). */
    public ContentSecurityPolicy with(String directive, String sources) {
        Map<String, String> d = new LinkedHashMap<>(directives);
        if (sources == null || sources.isEmpty()) d.remove(directive);
        else d.put(directive, sources);
        return new ContentSecurityPolicy(d);
    }

    /** 128 random bits, base64: a nonce for one response. */
    public static String newNonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /** The header value with {@code nonce}. */
    public String header(String nonce) {
        StringBuilder b = new StringBuilder();
        directives.forEach((k, v) -> {
            if (!b.isEmpty()) b.append("; ");
            b.append(k).append(' ').append(v.replace("{nonce}", nonce));
        });
        return b.toString();
    }

    /**
     * Sets this policy with a new nonce on {@code ex}'s response, and the headers every page
     * gets (no sniffing, no referrer, no framing, its own browsing context group); returns the
     * nonce for the page's {@code <script>} and {@code <style>} elements.
     */
    public String apply(Exchange ex) {
        String nonce = newNonce();
        ex.setHeader("Content-Security-Policy", header(nonce));
        securityHeaders(ex);
        return nonce;
    }

    /** The headers every response of ours carries, pages or not. */
    public static void securityHeaders(Exchange ex) {
        ex.setHeader("X-Content-Type-Options", "nosniff");
        ex.setHeader("Referrer-Policy", "no-referrer");
        ex.setHeader("X-Frame-Options", "DENY");
        ex.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    }
}
