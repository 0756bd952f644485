package org.twinmail.core.clients;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;

/**
 * The services this server offers to mail clients, as they must be told about them: one host
 * name and, per service, the port and the kind of TLS. Client autoconfiguration (Thunderbird,
 * Autodiscover, Apple profiles) and the SRV records of {@code twinmail admin domain dns} are
 * all written from this one value, so they can never disagree with each other.
 *
 * <p>A service is offered when it has a listen address (or a port in {@code clients.ports});
 * its port is the one in {@code clients.ports} if set, else its first listen address's port.
 * Implicit TLS comes first in every list, as RFC 8314 4.1 prefers.
 */
public record ClientEndpoints(String host, List<Service> services) {

    public ClientEndpoints {
        services = List.copyOf(services);
    }

    /** How a service secures its connections. */
    public enum Security { IMPLICIT_TLS, STARTTLS }

    /** The services, in the order clients should prefer them (RFC 8314 4.1: implicit TLS first). */
    public enum Kind {
        IMAPS("imaps", "imap", Security.IMPLICIT_TLS, "_imaps._tcp"),
        IMAP("imap", "imap", Security.STARTTLS, "_imap._tcp"),
        POP3S("pop3s", "pop3", Security.IMPLICIT_TLS, "_pop3s._tcp"),
        POP3("pop3", "pop3", Security.STARTTLS, "_pop3._tcp"),
        SUBMISSIONS("submissions", "smtp", Security.IMPLICIT_TLS, "_submissions._tcp"),
        SUBMISSION("submission", "smtp", Security.STARTTLS, "_submission._tcp"),
        MANAGESIEVE("managesieve", "sieve", Security.STARTTLS, "_sieve._tcp"),
        HTTPS("https", "https", Security.IMPLICIT_TLS, null);

        /** The key in {@code clients.ports}. */
        public final String key;
        /** The protocol spoken: imap, pop3, smtp, sieve or https. */
        public final String protocol;
        public final Security security;
        /** The SRV owner prefix (RFC 6186, RFC 8314 5.1, RFC 5804 1.8); null: none. */
        public final String srvPrefix;

        Kind(String key, String protocol, Security security, String srvPrefix) {
            this.key = key;
            this.protocol = protocol;
            this.security = security;
            this.srvPrefix = srvPrefix;
        }

        static Optional<Kind> ofKey(String key) {
            for (Kind k : values()) if (k.key.equals(key.toLowerCase(Locale.ROOT))) return Optional.of(k);
            return Optional.empty();
        }
    }

    /** One offered service. */
    public record Service(Kind kind, int port) { }

    /** The endpoints a node with this configuration offers; throws on an unknown key in {@code clients.ports}. */
    public static ClientEndpoints of(TwinmailConfig config) {
        Map<String, Integer> overrides = config.clients.ports == null ? Map.of() : config.clients.ports;
        for (var e : overrides.entrySet()) {
            if (Kind.ofKey(e.getKey()).isEmpty()) {
                throw new IllegalArgumentException("clients.ports: unknown service '" + e.getKey() + "' (known: imap, imaps, pop3, pop3s, "
                        + "submission, submissions, managesieve, https)");
            }
            if (e.getValue() == null || e.getValue() < 0 || e.getValue() > 65535) {
                throw new IllegalArgumentException("clients.ports." + e.getKey() + ": not a port: " + e.getValue());
            }
        }
        List<Service> services = new ArrayList<>();
        for (Kind k : Kind.values()) {
            Integer override = null;
            for (var e : overrides.entrySet()) if (e.getKey().toLowerCase(Locale.ROOT).equals(k.key)) override = e.getValue();
            int port = override != null ? override : firstPort(listens(config, k));
            if (port > 0) services.add(new Service(k, port));
        }
        String host = config.clients.host == null || config.clients.host.isBlank() ? config.hostname : config.clients.host.strip();
        return new ClientEndpoints(host.toLowerCase(Locale.ROOT), services);
    }

    private static List<Listen> listens(TwinmailConfig c, Kind k) {
        return switch (k) {
            case IMAPS -> c.imap.tlsListen;
            case IMAP -> c.imap.listen;
            case POP3S -> c.pop3.tlsListen;
            case POP3 -> c.pop3.listen;
            case SUBMISSIONS -> c.submission.tlsListen;
            case SUBMISSION -> c.submission.listen;
            case MANAGESIEVE -> c.managesieve.listen;
            case HTTPS -> c.http.tlsListen;
        };
    }

    private static int firstPort(List<Listen> listens) {
        return listens == null || listens.isEmpty() ? 0 : listens.get(0).port();
    }

    public Optional<Service> service(Kind kind) {
        return services.stream().filter(s -> s.kind() == kind).findFirst();
    }

    /** The offered services speaking {@code protocol} (imap, pop3, smtp, sieve, https), implicit TLS first. */
    public List<Service> ofProtocol(String protocol) {
        return services.stream().filter(s -> s.kind().protocol.equals(protocol)).toList();
    }

    /** The base URL of the web server over HTTPS ({@code https://host[:port]}), if HTTPS is served. */
    public Optional<String> httpsBase() {
        return service(Kind.HTTPS).map(s -> "https://" + host + (s.port() == 443 ? "" : ":" + s.port()));
    }
}
