package org.twinmail.web.autoconfig;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.twinmail.core.clients.ClientEndpoints;
import org.twinmail.core.clients.ClientEndpoints.Security;
import org.twinmail.core.clients.ClientEndpoints.Service;

/**
 * The documents mail clients set themselves up from, each written from the node's one
 * {@link ClientEndpoints} (so they never disagree with the SRV records of
 * {@code admin domain dns}): Thunderbird's autoconfig file, Microsoft's Autodiscover (POX)
 * answer and Apple's configuration profile. Pure: strings in, a document out. Every value that
 * comes from a request is escaped for XML.
 */
public final class ClientConfigs {

    private ClientConfigs() { }

    /**
     * Thunderbird's {@code config-v1.1.xml} (the "clientConfig" format Thunderbird and others
     * fetch from {@code autoconfig.<domain>/mail/config-v1.1.xml} and
     * {@code <domain>/.well-known/autoconfig/mail/config-v1.1.xml}): every incoming and outgoing
     * service, implicit TLS first (RFC 8314 4.1), the login being the whole address.
     */
    public static String thunderbird(String domain, ClientEndpoints e) {
        StringBuilder b = new StringBuilder(1024);
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n");
        b.append("  <emailProvider id=\"").append(xml(domain)).append("\">\n");
        b.append("    <domain>").append(xml(domain)).append("</domain>\n");
        b.append("    <displayName>").append(xml(domain)).append(" mail</displayName>\n");
        b.append("    <displayShortName>").append(xml(domain)).append("</displayShortName>\n");
        for (String protocol : List.of("imap", "pop3")) {
            for (Service s : e.ofProtocol(protocol)) server(b, "incomingServer", protocol, e.host(), s);
        }
        for (Service s : e.ofProtocol("smtp")) server(b, "outgoingServer", "smtp", e.host(), s);
        b.append("  </emailProvider>\n</clientConfig>\n");
        return b.toString();
    }

    private static void server(StringBuilder b, String element, String type, String host, Service s) {
        b.append("    <").append(element).append(" type=\"").append(type).append("\">\n");
        b.append("      <hostname>").append(xml(host)).append("</hostname>\n");
        b.append("      <port>").append(s.port()).append("</port>\n");
        b.append("      <socketType>").append(s.kind().security == Security.IMPLICIT_TLS ? "SSL" : "STARTTLS").append("</socketType>\n");
        b.append("      <authentication>password-cleartext</authentication>\n");
        b.append("      <username>%EMAILADDRESS%</username>\n");
        b.append("    </").append(element).append(">\n");
    }

    /**
     * The Autodiscover "POX" answer (responseschema 2006 with the outlook 2006a response) for an
     * email account: one Protocol per service, IMAP then POP3 then SMTP, implicit TLS first.
     */
    public static String autodiscover(String address, ClientEndpoints e) {
        StringBuilder b = new StringBuilder(1024);
        b.append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        b.append("<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\n");
        b.append("  <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">\n");
        b.append("    <Account>\n      <AccountType>email</AccountType>\n      <Action>settings</Action>\n");
        for (String protocol : List.of("imap", "pop3", "smtp")) {
            for (Service s : e.ofProtocol(protocol)) {
                boolean implicit = s.kind().security == Security.IMPLICIT_TLS;
                b.append("      <Protocol>\n");
                b.append("        <Type>").append(protocol.toUpperCase(Locale.ROOT)).append("</Type>\n");
                b.append("        <Server>").append(xml(e.host())).append("</Server>\n");
                b.append("        <Port>").append(s.port()).append("</Port>\n");
                b.append("        <DomainRequired>off</DomainRequired>\n");
                b.append("        <LoginName>").append(xml(address)).append("</LoginName>\n");
                b.append("        <SPA>off</SPA>\n");
                b.append("        <SSL>on</SSL>\n");
                b.append("        <Encryption>").append(implicit ? "SSL" : "TLS").append("</Encryption>\n");
                b.append("        <AuthRequired>on</AuthRequired>\n");
                if (protocol.equals("smtp")) b.append("        <UsePOPAuth>off</UsePOPAuth>\n        <SMTPLast>off</SMTPLast>\n");
                b.append("      </Protocol>\n");
            }
        }
        b.append("    </Account>\n  </Response>\n</Autodiscover>\n");
        return b.toString();
    }

    /** The Autodiscover error answer (code 600: the request was not understood). */
    public static String autodiscoverError(String message) {
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                + "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\n"
                + "  <Response>\n    <Error Time=\"00:00:00\" Id=\"0\">\n      <ErrorCode>600</ErrorCode>\n"
                + "      <Message>" + xml(message) + "</Message>\n      <DebugData />\n    </Error>\n  </Response>\n</Autodiscover>\n";
    }

    /**
     * An Apple configuration profile ({@code .mobileconfig}, a property list) with one
     * {@code com.apple.mail.managed} payload: the IMAP account (POP3 when IMAP is not offered) and
     * the SMTP server, both with the address as the login and TLS on. The password is not in the
     * profile: the device asks for it when the profile is installed. The UUIDs are derived from the
     * address, so installing the profile again replaces the account instead of adding a second one.
     */
    public static String mobileconfig(String address, ClientEndpoints e) {
        Service in = e.ofProtocol("imap").stream().findFirst().or(() -> e.ofProtocol("pop3").stream().findFirst())
                .orElseThrow(() -> new IllegalStateException("neither IMAP nor POP3 is offered"));
        Service out = e.ofProtocol("smtp").stream().findFirst().orElseThrow(() -> new IllegalStateException("submission is not offered"));
        String domain = address.substring(address.lastIndexOf('@') + 1);
        String reverse = reverseDns(e.host());
        StringBuilder b = new StringBuilder(2048);
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        b.append("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n");
        b.append("<plist version=\"1.0\">\n<dict>\n");
        b.append("  <key>PayloadContent</key>\n  <array>\n    <dict>\n");
        kv(b, "      ", "EmailAccountDescription", address);
        kv(b, "      ", "EmailAccountName", address);
        kv(b, "      ", "EmailAccountType", in.kind().protocol.equals("imap") ? "EmailTypeIMAP" : "EmailTypePOP");
        kv(b, "      ", "EmailAddress", address);
        kv(b, "      ", "IncomingMailServerAuthentication", "EmailAuthPassword");
        kv(b, "      ", "IncomingMailServerHostName", e.host());
        b.append("      <key>IncomingMailServerPortNumber</key>\n      <integer>").append(in.port()).append("</integer>\n");
        bool(b, "      ", "IncomingMailServerUseSSL", true);
        kv(b, "      ", "IncomingMailServerUsername", address);
        kv(b, "      ", "OutgoingMailServerAuthentication", "EmailAuthPassword");
        kv(b, "      ", "OutgoingMailServerHostName", e.host());
        b.append("      <key>OutgoingMailServerPortNumber</key>\n      <integer>").append(out.port()).append("</integer>\n");
        bool(b, "      ", "OutgoingMailServerUseSSL", true);
        kv(b, "      ", "OutgoingMailServerUsername", address);
        bool(b, "      ", "OutgoingPasswordSameAsIncomingPassword", true);
        kv(b, "      ", "PayloadDescription", "Mail account " + address);
        kv(b, "      ", "PayloadDisplayName", address);
        kv(b, "      ", "PayloadIdentifier", reverse + ".mail." + uuid("account:" + address));
        kv(b, "      ", "PayloadType", "com.apple.mail.managed");
        kv(b, "      ", "PayloadUUID", uuid("account:" + address));
        b.append("      <key>PayloadVersion</key>\n      <integer>1</integer>\n");
        bool(b, "      ", "PreventAppSheet", false);
        bool(b, "      ", "PreventMove", false);
        bool(b, "      ", "SMIMEEnabled", false);
        b.append("    </dict>\n  </array>\n");
        kv(b, "  ", "PayloadDescription", "Sets up the mail account " + address + " on " + e.host());
        kv(b, "  ", "PayloadDisplayName", domain + " mail");
        kv(b, "  ", "PayloadIdentifier", reverse + ".profile." + uuid("profile:" + address));
        kv(b, "  ", "PayloadOrganization", domain);
        bool(b, "  ", "PayloadRemovalDisallowed", false);
        kv(b, "  ", "PayloadType", "Configuration");
        kv(b, "  ", "PayloadUUID", uuid("profile:" + address));
        b.append("  <key>PayloadVersion</key>\n  <integer>1</integer>\n");
        b.append("</dict>\n</plist>\n");
        return b.toString();
    }

    private static void kv(StringBuilder b, String indent, String key, String value) {
        b.append(indent).append("<key>").append(key).append("</key>\n").append(indent).append("<string>").append(xml(value)).append("</string>\n");
    }

    private static void bool(StringBuilder b, String indent, String key, boolean value) {
        b.append(indent).append("<key>").append(key).append("</key>\n").append(indent).append(value ? "<true/>" : "<false/>").append('\n');
    }

    private static String uuid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString().toUpperCase(Locale.ROOT);
    }

    private static String reverseDns(String host) {
        String[] labels = host.split("\\.");
        StringBuilder b = new StringBuilder();
        for (int i = labels.length - 1; i >= 0; i--) {
            if (labels[i].isEmpty()) continue;
            if (!b.isEmpty()) b.append('.');
            b.append(labels[i]);
        }
        return b.toString();
    }

    /** XML text and attribute escaping; characters XML 1.0 cannot carry at all are dropped. */
    static String xml(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        s.codePoints().forEach(c -> {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    if (c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000) {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.toString();
    }
}
