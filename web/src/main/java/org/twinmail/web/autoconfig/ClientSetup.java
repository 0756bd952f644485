package org.twinmail.web.autoconfig;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations;
import org.twinmail.core.clients.ClientEndpoints;
import org.twinmail.core.clients.MtaStsPolicy;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.http.Exchange;
import org.twinmail.http.HttpService;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * What the web server answers so that mail clients and other mail servers set themselves up from
 * a domain name alone (docs/clients.md):
 * <ul>
 *   <li>{@code GET /.well-known/autoconfig/mail/config-v1.1.xml} and {@code GET /mail/config-v1.1.xml}
 *       (on {@code autoconfig.<domain>}): Thunderbird's autoconfig file;</li>
 *   <li>{@code POST /autodiscover/autodiscover.xml} (either case): Microsoft Autodiscover (POX);</li>
 *   <li>{@code GET /.well-known/autoconfig/mail/apple.mobileconfig?emailaddress=...}: an Apple
 *       configuration profile (unsigned; the device asks for the password);</li>
 *   <li>{@code GET /.well-known/mta-sts.txt} on {@code mta-sts.<domain>}: the MTA-STS policy (RFC 8461);</li>
 *   <li>{@code POST /.well-known/tlsrpt}: TLS reports (RFC 8460 5.3), kept through the admin operations.</li>
 * </ul>
 * Only our own domains get an answer (404 otherwise); a node that is not serving answers 503.
 */
public final class ClientSetup {

    private static final Logger log = LoggerFactory.getLogger(ClientSetup.class);

    public static final String THUNDERBIRD = "/.well-known/autoconfig/mail/config-v1.1.xml";
    public static final String THUNDERBIRD_ON_AUTOCONFIG_HOST = "/mail/config-v1.1.xml";
    public static final String MOBILECONFIG = "/.well-known/autoconfig/mail/apple.mobileconfig";
    public static final String AUTODISCOVER = "/autodiscover/autodiscover.xml";
    public static final String AUTODISCOVER_CAPITALISED = "/Autodiscover/Autodiscover.xml";
    public static final String MTA_STS = "/.well-known/mta-sts.txt";
    public static final String TLSRPT = "/.well-known/tlsrpt";
    /** Largest decompressed TLS report read (a report from a big sender is tens of KB). */
    public static final int MAX_REPORT_BYTES = 1 << 20;

    private final ClientEndpoints endpoints;
    private final MtaStsPolicy policy;
    private final Supplier<AdminOperations> admin;

    /**
     * @param admin the admin operations of the active node (its calls throw UNAVAILABLE on a node
     *              that is not serving, which becomes 503)
     */
    public ClientSetup(ClientEndpoints endpoints, MtaStsPolicy policy, Supplier<AdminOperations> admin) {
        this.endpoints = endpoints;
        this.policy = policy;
        this.admin = admin;
    }

    /** Mounts every path above on {@code http} (before it starts). */
    public void mount(HttpService http) {
        http.mount(THUNDERBIRD, "autoconfig", this::thunderbird);
        http.mount(THUNDERBIRD_ON_AUTOCONFIG_HOST, "autoconfig", this::thunderbird);
        http.mount(MOBILECONFIG, "autoconfig", this::mobileconfig);
        http.mount(AUTODISCOVER, "autoconfig", this::autodiscover);
        http.mount(AUTODISCOVER_CAPITALISED, "autoconfig", this::autodiscover);
        http.mount(MTA_STS, "mta-sts", this::mtaSts);
        http.mount(TLSRPT, "tlsrpt", this::tlsReport);
    }

    void thunderbird(Exchange ex) throws IOException {
        if (!method(ex, "GET")) return;
        Optional<String> address = query(ex, "emailaddress");
        String domain;
        if (address.isPresent()) {
            Optional<EmailAddress> a = address(address.get());
            if (a.isEmpty()) {
                text(ex, 400, "emailaddress is not a mail address");
                return;
            }
            domain = a.get().domain();
        } else {
            domain = host(ex);
            if (domain.startsWith("autoconfig.")) domain = domain.substring("autoconfig.".length());
        }
        if (!served(ex, domain)) return;
        ex.setHeader("Cache-Control", "max-age=3600");
        ex.send(200, "application/xml; charset=utf-8", ClientConfigs.thunderbird(domain, endpoints).getBytes(StandardCharsets.UTF_8));
    }

    void mobileconfig(Exchange ex) throws IOException {
        if (!method(ex, "GET")) return;
        Optional<EmailAddress> a = query(ex, "emailaddress").flatMap(ClientSetup::address);
        if (a.isEmpty()) {
            text(ex, 400, "add ?emailaddress=you@your.domain to get a profile for your account");
            return;
        }
        if (!served(ex, a.get().domain())) return;
        if (endpoints.ofProtocol("smtp").isEmpty() || (endpoints.ofProtocol("imap").isEmpty() && endpoints.ofProtocol("pop3").isEmpty())) {
            text(ex, 404, "this server offers no IMAP or POP3 with submission to set up");
            return;
        }
        String address = a.get().toString();
        ex.setHeader("Content-Disposition", "attachment; filename=\"" + a.get().domain() + ".mobileconfig\"");
        ex.setHeader("Cache-Control", "no-store");
        ex.send(200, "application/x-apple-aspen-config", ClientConfigs.mobileconfig(address, endpoints).getBytes(StandardCharsets.UTF_8));
    }

    void autodiscover(Exchange ex) throws IOException {
        if (!method(ex, "POST")) return;
        byte[] body;
        try {
            body = ex.readBody();
        } catch (Exchange.BodyTooLargeException e) {
            text(ex, 413, "request too large");
            return;
        }
        Optional<String> requested = autodiscoverAddress(body);
        Optional<EmailAddress> a = requested.flatMap(ClientSetup::address);
        if (a.isEmpty()) {
            ex.send(200, "application/xml; charset=utf-8", ClientConfigs.autodiscoverError("Invalid Request").getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (!served(ex, a.get().domain())) return;
        ex.setHeader("Cache-Control", "no-store");
        ex.send(200, "application/xml; charset=utf-8", ClientConfigs.autodiscover(a.get().toString(), endpoints).getBytes(StandardCharsets.UTF_8));
    }

    void mtaSts(Exchange ex) throws IOException {
        if (!method(ex, "GET")) return;
        String host = host(ex);
        if (!host.startsWith("mta-sts.")) {
            text(ex, 404, "the MTA-STS policy is served on mta-sts.<domain>");
            return;
        }
        if (!served(ex, host.substring("mta-sts.".length()))) return;
        ex.setHeader("Cache-Control", "max-age=" + Math.min(policy.maxAge(), 86400));
        ex.send(200, "text/plain; charset=utf-8", policy.text().getBytes(StandardCharsets.US_ASCII));
    }

    void tlsReport(Exchange ex) throws IOException {
        if (!method(ex, "POST")) return;
        String type = Optional.ofNullable(ex.header("Content-Type")).orElse("").toLowerCase(Locale.ROOT);
        byte[] body;
        try {
            body = ex.readBody();
            if (type.startsWith("application/tlsrpt+gzip")) {
                body = gunzip(body);
            } else if (!type.startsWith("application/tlsrpt+json") && !type.startsWith("application/json")) {
                text(ex, 415, "send application/tlsrpt+json or application/tlsrpt+gzip (RFC 8460 5.3)");
                return;
            }
        } catch (Exchange.BodyTooLargeException e) {
            text(ex, 413, "report too large");
            return;
        } catch (IOException e) {
            text(ex, 400, "not gzip data");
            return;
        }
        try {
            AdminOperations.TlsReportInfo r = admin.get().receiveTlsReport(body);
            log.info("TLS report {} from {} ({}) kept: {} policies", r.reportId(), r.organization(), ex.client(), r.policies().size());
            text(ex, 200, "report kept");
        } catch (AdminException e) {
            switch (e.kind()) {
                case INVALID -> text(ex, 400, e.getMessage());
                case UNAVAILABLE -> {
                    ex.setHeader("Retry-After", "60");
                    text(ex, 503, e.getMessage());
                }
                default -> text(ex, 400, e.getMessage());
            }
        }
    }

    /** Whether the domain is ours; answers 404 (not ours) or 503 (this node does not serve) itself when not. */
    private boolean served(Exchange ex, String domain) throws IOException {
        try {
            if (admin.get().servesDomain(domain)) return true;
            text(ex, 404, "no mail is served here for that domain");
        } catch (AdminException e) {
            ex.setHeader("Retry-After", "5");
            text(ex, 503, "this node is not serving");
        }
        return false;
    }

    private static boolean method(Exchange ex, String allowed) throws IOException {
        if (ex.method().equals(allowed)) return true;
        ex.setHeader("Allow", allowed);
        text(ex, 405, "use " + allowed);
        return false;
    }

    private static void text(Exchange ex, int status, String message) throws IOException {
        ex.send(status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The request's host name, lower case, without a port (empty when absent). */
    static String host(Exchange ex) {
        String h = Optional.ofNullable(ex.header("Host")).orElse("").strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) return h; // an address literal is never one of our names
        int colon = h.indexOf(':');
        if (colon >= 0) h = h.substring(0, colon);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    static Optional<String> query(Exchange ex, String name) {
        String q = ex.rawQuery();
        if (q == null || q.isEmpty()) return Optional.empty();
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equalsIgnoreCase(name)) {
                try {
                    return Optional.of(URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    static Optional<EmailAddress> address(String text) {
        if (text == null || text.length() > 254) return Optional.empty();
        try {
            return Optional.of(EmailAddress.parse(text.strip()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The EMailAddress of an Autodiscover request; no DTDs, no external entities. */
    static Optional<String> autodiscoverAddress(byte[] body) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler()); // errors throw; nothing printed
            Document d = b.parse(new ByteArrayInputStream(body));
            NodeList n = d.getElementsByTagNameNS("*", "EMailAddress");
            if (n.getLength() == 0) return Optional.empty();
            return Optional.of(n.item(0).getTextContent().strip());
        } catch (ParserConfigurationException | SAXException | IOException e) {
            return Optional.empty();
        }
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > MAX_REPORT_BYTES) throw new Exchange.BodyTooLargeException(MAX_REPORT_BYTES);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }
}
