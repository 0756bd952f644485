package org.twinmail.web.autoconfig;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.xml.parsers.DocumentBuilderFactory;

import com.dd.plist.NSDictionary;
import com.dd.plist.NSObject;
import com.dd.plist.PropertyListParser;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.admin.AdminOperations;
import org.twinmail.admin.AdminService;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.clients.ClientEndpoints;
import org.twinmail.core.clients.MtaStsPolicy;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.http.Health;
import org.twinmail.http.HttpService;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.EmbeddedMailStore;
import org.twinmail.store.embedded.StoreOptions;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Client autoconfiguration, MTA-STS and TLS-RPT over a real HTTP server, fetched the way the
 * clients do: Thunderbird's GET with ?emailaddress= on autoconfig.&lt;domain&gt;, Outlook's
 * Autodiscover POST, an Apple profile read with a property-list parser, a sender's MTA-STS fetch
 * on mta-sts.&lt;domain&gt; and a reporter's gzip POST.
 */
class ClientSetupTest {
    @TempDir
    Path dataDir;
    MailStore store;
    Tls tls;
    HttpService http;
    AdminOperations admin;
    TwinmailConfig config;

    @BeforeEach
    void setUp() throws Exception {
        store = EmbeddedMailStore.open(StoreOptions.defaults(dataDir.resolve("store")));
        config = new TwinmailConfig();
        config.hostname = "localhost";
        config.dataDir = dataDir.toString();
        config.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        config.http.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
        config.clients.host = "mail.example.net";
        config.clients.ports = Map.of("imaps", 993, "imap", 143, "submissions", 465, "submission", 587, "pop3", 0, "pop3s", 995, "https", 443);
        admin = new AdminService(store, new PasswordHasher(1024, 1, 1));
        admin.addDomain("example.com");
        tls = Tls.create(config);
        http = new HttpService(config, admin, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of()), "t0ken", tls);
        ClientEndpoints endpoints = ClientEndpoints.of(config);
        new ClientSetup(endpoints, MtaStsPolicy.of(config, endpoints), () -> admin).mount(http);
        http.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        http.close();
        tls.close();
        store.close();
    }

    /** One HTTP/1.1 exchange over a socket, so the Host header is the one a client would send. */
    record Reply(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    Reply request(String method, String host, String target, String contentType, byte[] body) throws Exception {
        int port = http.boundAddresses().getFirst().getPort();
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
            if (body != null) head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(body.length).append("\r\n");
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            if (body != null) out.write(body);
            out.flush();
            byte[] all = s.getInputStream().readAllBytes();
            String raw = new String(all, StandardCharsets.ISO_8859_1);
            int end = raw.indexOf("\r\n\r\n");
            String[] lines = raw.substring(0, end).split("\r\n");
            Map<String, String> headers = new java.util.HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, c).toLowerCase(java.util.Locale.ROOT), lines[i].substring(c + 1).strip());
            }
            byte[] rest = java.util.Arrays.copyOfRange(all, end + 4, all.length);
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) rest = unchunk(rest);
            return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, rest);
        }
    }

    static byte[] unchunk(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (true) {
            int eol = i;
            while (!(in[eol] == '\r' && in[eol + 1] == '\n')) eol++;
            int size = Integer.parseInt(new String(in, i, eol - i, StandardCharsets.US_ASCII).split(";")[0].strip(), 16);
            if (size == 0) return out.toByteArray();
            out.write(in, eol + 2, size);
            i = eol + 2 + size + 2;
        }
    }

    static Document xml(byte[] body) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(body));
    }

    @Test
    void thunderbirdGetsEveryServiceImplicitTlsFirstFromTheAutoconfigHostAndTheWellKnownPath() throws Exception {
        Reply r = request("GET", "autoconfig.example.com", "/mail/config-v1.1.xml?emailaddress=alice%40example.com", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("content-type")).startsWith("application/xml");
        Document d = xml(r.body());
        Element provider = (Element) d.getElementsByTagName("emailProvider").item(0);
        assertThat(provider.getAttribute("id")).isEqualTo("example.com");
        NodeList incoming = d.getElementsByTagName("incomingServer");
        List<String> seen = new java.util.ArrayList<>();
        for (int i = 0; i < incoming.getLength(); i++) {
            Element e = (Element) incoming.item(i);
            seen.add(e.getAttribute("type") + " " + text(e, "hostname") + ":" + text(e, "port") + " " + text(e, "socketType") + " "
                    + text(e, "username") + " " + text(e, "authentication"));
        }
        assertThat(seen).containsExactly(
                "imap mail.example.net:993 SSL %EMAILADDRESS% password-cleartext",
                "imap mail.example.net:143 STARTTLS %EMAILADDRESS% password-cleartext",
                "pop3 mail.example.net:995 SSL %EMAILADDRESS% password-cleartext");
        NodeList outgoing = d.getElementsByTagName("outgoingServer");
        assertThat(outgoing.getLength()).isEqualTo(2);
        assertThat(text((Element) outgoing.item(0), "port")).isEqualTo("465");
        assertThat(text((Element) outgoing.item(1), "socketType")).isEqualTo("STARTTLS");
        // the domain's own host, without emailaddress (Thunderbird's second try), and the well-known path on the domain
        assertThat(request("GET", "autoconfig.example.com", "/mail/config-v1.1.xml", null, null).status()).isEqualTo(200);
        Reply wellKnown = request("GET", "example.com", "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=bob@example.com", null, null);
        assertThat(wellKnown.status()).isEqualTo(200);
        assertThat(wellKnown.text()).isEqualTo(r.text());
        // not ours, or not an address
        assertThat(request("GET", "autoconfig.other.example", "/mail/config-v1.1.xml", null, null).status()).isEqualTo(404);
        assertThat(request("GET", "example.com", "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=x%40other.example", null, null)
                .status()).isEqualTo(404);
        assertThat(request("GET", "example.com", "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=%3Cscript%3E", null, null)
                .status()).isEqualTo(400);
        assertThat(request("POST", "example.com", "/.well-known/autoconfig/mail/config-v1.1.xml", "text/plain", new byte[1]).status())
                .isEqualTo(405);
    }

    static String text(Element parent, String tag) {
        return parent.getElementsByTagName(tag).item(0).getTextContent();
    }

    @Test
    void autodiscoverAnswersTheOutlookPoxRequestAndRefusesEntities() throws Exception {
        String request = """
                <?xml version="1.0" encoding="utf-8"?>
                <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
                  <Request>
                    <EMailAddress>alice@Example.COM</EMailAddress>
                    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
                  </Request>
                </Autodiscover>
                """;
        Reply r = request("POST", "autodiscover.example.com", "/autodiscover/autodiscover.xml", "text/xml", request.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(200);
        Document d = xml(r.body());
        NodeList protocols = d.getElementsByTagNameNS("http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a", "Protocol");
        List<String> seen = new java.util.ArrayList<>();
        for (int i = 0; i < protocols.getLength(); i++) {
            Element p = (Element) protocols.item(i);
            seen.add(text(p, "Type") + " " + text(p, "Server") + ":" + text(p, "Port") + " " + text(p, "Encryption") + " " + text(p, "LoginName"));
        }
        assertThat(seen).containsExactly("IMAP mail.example.net:993 SSL alice@example.com", "IMAP mail.example.net:143 TLS alice@example.com",
                "POP3 mail.example.net:995 SSL alice@example.com", "SMTP mail.example.net:465 SSL alice@example.com",
                "SMTP mail.example.net:587 TLS alice@example.com");
        assertThat(request("POST", "example.com", "/Autodiscover/Autodiscover.xml", "text/xml", request.getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(200);
        // an external entity is never resolved: the request is simply not understood
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<Autodiscover><Request><EMailAddress>&x;</EMailAddress></Request></Autodiscover>";
        Reply refused = request("POST", "example.com", "/autodiscover/autodiscover.xml", "text/xml", xxe.getBytes(StandardCharsets.UTF_8));
        assertThat(refused.text()).contains("<ErrorCode>600</ErrorCode>").doesNotContain("root:");
        String other = request.replace("alice@Example.COM", "alice@other.example");
        assertThat(request("POST", "example.com", "/autodiscover/autodiscover.xml", "text/xml", other.getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(404);
    }

    @Test
    void theAppleProfileIsAPropertyListWithOneMailPayloadAndStableUuids() throws Exception {
        Reply r = request("GET", "example.com", "/.well-known/autoconfig/mail/apple.mobileconfig?emailaddress=alice%40example.com", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("content-type")).isEqualTo("application/x-apple-aspen-config");
        assertThat(r.headers().get("content-disposition")).contains("example.com.mobileconfig");
        NSDictionary profile = (NSDictionary) PropertyListParser.parse(r.body());
        assertThat(profile.objectForKey("PayloadType").toJavaObject()).isEqualTo("Configuration");
        assertThat(profile.objectForKey("PayloadVersion").toJavaObject()).isEqualTo(1);
        NSObject[] content = ((com.dd.plist.NSArray) profile.objectForKey("PayloadContent")).getArray();
        assertThat(content).hasSize(1);
        NSDictionary mail = (NSDictionary) content[0];
        assertThat(mail.objectForKey("PayloadType").toJavaObject()).isEqualTo("com.apple.mail.managed");
        assertThat(mail.objectForKey("EmailAccountType").toJavaObject()).isEqualTo("EmailTypeIMAP");
        assertThat(mail.objectForKey("IncomingMailServerHostName").toJavaObject()).isEqualTo("mail.example.net");
        assertThat(mail.objectForKey("IncomingMailServerPortNumber").toJavaObject()).isEqualTo(993);
        assertThat(mail.objectForKey("IncomingMailServerUseSSL").toJavaObject()).isEqualTo(true);
        assertThat(mail.objectForKey("OutgoingMailServerPortNumber").toJavaObject()).isEqualTo(465);
        assertThat(mail.objectForKey("IncomingMailServerUsername").toJavaObject()).isEqualTo("alice@example.com");
        assertThat(mail.containsKey("IncomingPassword")).isFalse(); // the device asks for it
        assertThat(mail.objectForKey("PayloadUUID").toJavaObject().toString()).matches("[0-9A-F-]{36}");
        Reply again = request("GET", "example.com", "/.well-known/autoconfig/mail/apple.mobileconfig?emailaddress=alice%40example.com", null, null);
        assertThat(again.text()).isEqualTo(r.text()); // installing it twice replaces the account
        assertThat(request("GET", "example.com", "/.well-known/autoconfig/mail/apple.mobileconfig", null, null).status()).isEqualTo(400);
        assertThat(request("GET", "example.com", "/.well-known/autoconfig/mail/apple.mobileconfig?emailaddress=a%40other.example", null, null)
                .status()).isEqualTo(404);
    }

    @Test
    void theMtaStsPolicyIsServedOnMtaStsDotOurDomainsOnly() throws Exception {
        Reply r = request("GET", "mta-sts.example.com", "/.well-known/mta-sts.txt", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("content-type")).startsWith("text/plain");
        assertThat(r.text()).isEqualTo("version: STSv1\r\nmode: testing\r\nmx: mail.example.net\r\nmax_age: 604800\r\n");
        assertThat(request("GET", "mta-sts.example.com:443", "/.well-known/mta-sts.txt", null, null).status()).isEqualTo(200);
        assertThat(request("GET", "mta-sts.other.example", "/.well-known/mta-sts.txt", null, null).status()).isEqualTo(404);
        assertThat(request("GET", "example.com", "/.well-known/mta-sts.txt", null, null).status()).isEqualTo(404);
    }

    static final String REPORT = """
            {"organization-name":"Company-X","date-range":{"start-datetime":"2026-12-06T00:00:00Z","end-datetime":"2026-12-06T23:59:59Z"},
             "contact-info":"sts-reporting@company-x.example","report-id":"5065427c-23d3-47ca-b6e0-946ea0e8c4be",
             "policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: testing","mx: mail.example.net","max_age: 604800"],
                          "policy-domain":"example.com","mx-host":["mail.example.net"]},
                          "summary":{"total-successful-session-count":5326,"total-failure-session-count":303},
                          "failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"2001:db8:abcd:0012::1",
                                              "receiving-mx-hostname":"mail.example.net","failed-session-count":100}]},
                         {"policy":{"policy-type":"sts","policy-domain":"someone-else.example"},
                          "summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}
            """;

    @Test
    void aGzippedTlsReportAboutOurDomainIsKeptAndListedAndOthersAreRefused() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(REPORT.getBytes(StandardCharsets.UTF_8));
        }
        Reply r = request("POST", "mail.example.net", "/.well-known/tlsrpt", "application/tlsrpt+gzip", gz.toByteArray());
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        List<AdminOperations.TlsReportInfo> reports = admin.listTlsReports();
        assertThat(reports).hasSize(1);
        AdminOperations.TlsReportInfo kept = reports.getFirst();
        assertThat(kept.organization()).isEqualTo("Company-X");
        assertThat(kept.end()).isEqualTo("2026-12-06T23:59:59Z");
        assertThat(kept.policies()).singleElement().satisfies(p -> {
            assertThat(p.domain()).isEqualTo("example.com"); // the other domain's policy is not ours to keep
            assertThat(p.successful()).isEqualTo(5326);
            assertThat(p.failed()).isEqualTo(303);
            assertThat(p.failures()).singleElement().satisfies(f -> {
                assertThat(f.resultType()).isEqualTo("certificate-expired");
                assertThat(f.sessions()).isEqualTo(100);
            });
        });
        // the same report again replaces itself; JSON is accepted as well
        assertThat(request("POST", "mail.example.net", "/.well-known/tlsrpt", "application/tlsrpt+json", REPORT.getBytes(StandardCharsets.UTF_8))
                .status()).isEqualTo(200);
        assertThat(admin.listTlsReports()).hasSize(1);
        String foreign = REPORT.replace("\"policy-domain\":\"example.com\"", "\"policy-domain\":\"elsewhere.example\"");
        assertThat(request("POST", "mail.example.net", "/.well-known/tlsrpt", "application/tlsrpt+json", foreign.getBytes(StandardCharsets.UTF_8))
                .status()).isEqualTo(400);
        assertThat(request("POST", "mail.example.net", "/.well-known/tlsrpt", "application/tlsrpt+json", "{\"x\":1}".getBytes(StandardCharsets.UTF_8))
                .status()).isEqualTo(400);
        assertThat(request("POST", "mail.example.net", "/.well-known/tlsrpt", "application/tlsrpt+gzip", "not gzip".getBytes(StandardCharsets.UTF_8))
                .status()).isEqualTo(400);
        assertThat(request("POST", "mail.example.net", "/.well-known/tlsrpt", "text/plain", REPORT.getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(415);
        // a gzip bomb is cut at the limit, not inflated into memory
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(bomb)) {
            z.write(new byte[ClientSetup.MAX_REPORT_BYTES + 1]);
        }
        assertThat(request("POST", "mail.example.net", "/.well-known/tlsrpt", "application/tlsrpt+gzip", bomb.toByteArray()).status()).isEqualTo(413);
        assertThat(admin.listTlsReports()).hasSize(1);
    }

    @Test
    void aNodeThatIsNotServingAnswers503() throws Exception {
        http.close();
        tls = Tls.create(config);
        http = new HttpService(config, admin, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new Health(true, Map.of()), "t0ken", tls);
        // as the server's admin of a standby node: every operation is UNAVAILABLE
        AdminOperations standby = (AdminOperations) java.lang.reflect.Proxy.newProxyInstance(AdminOperations.class.getClassLoader(),
                new Class<?>[] {AdminOperations.class}, (proxy, method, args) -> {
                    throw new org.twinmail.admin.AdminException(org.twinmail.admin.AdminException.Kind.UNAVAILABLE, "not serving");
                });
        ClientEndpoints endpoints = ClientEndpoints.of(config);
        new ClientSetup(endpoints, MtaStsPolicy.of(config, endpoints), () -> standby).mount(http);
        http.start();
        Reply r = request("GET", "mta-sts.example.com", "/.well-known/mta-sts.txt", null, null);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.headers()).containsKey("retry-after");
    }
}
