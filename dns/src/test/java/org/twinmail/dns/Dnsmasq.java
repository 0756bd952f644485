package org.twinmail.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real DNS server for tests: Debian's dnsmasq (package {@code dnsmasq-base}, {@code /usr/sbin/dnsmasq})
 * started on a loopback address of its own ({@code 127.x.y.z}, not 127.0.0.1) and a free port, from a
 * configuration file the test fills (MX, A and TXT records), authoritative for the domains it names
 * ({@code local=/domain/}: any other name in them is NXDOMAIN, nothing is forwarded anywhere).
 * What a receiving server's SPF check asks goes over the wire to a resolver other than ours.
 *
 * <pre>
 * try (Dnsmasq dns = Dnsmasq.builder(dir).mx("example.org", 10, "mx.example.org").a("mx.example.org", "127.0.0.1")
 *         .txt("example.org", "v=spf1 ip4:127.0.0.1 -all").start()) {
 *     config.relay.dns.servers = List.of(dns.hostPort());
 * }
 * </pre>
 *
 * {@link Builder#start()} returns once dnsmasq answers (a bounded wait); {@link #close()} stops it.
 */
public final class Dnsmasq implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Process process;
    private final InetSocketAddress address;
    private final Path log;

    private Dnsmasq(Process process, InetSocketAddress address, Path log) {
        this.process = process;
        this.address = address;
        this.log = log;
    }

    /** A server whose files (configuration, log) go into {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** Whether dnsmasq is installed here. */
    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    public InetSocketAddress address() {
        return address;
    }

    /** "127.x.y.z:port", the form {@code relay.dns.servers} takes. */
    public String hostPort() {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** dnsmasq's log (every query it answered, with --log-queries). */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    /** The records to serve. */
    public static final class Builder {
        private final Path dir;
        private final List<String> lines = new ArrayList<>();
        private final Set<String> zones = new LinkedHashSet<>();
        private String probe;

        private Builder(Path dir) {
            this.dir = dir;
        }

        public Builder mx(String domain, int preference, String host) {
            zone(domain);
            lines.add("mx-host=" + domain + "," + host + "," + preference);
            probe = probe == null ? domain : probe;
            return this;
        }

        /** An A record (and its PTR). */
        public Builder a(String host, String address) {
            zone(host);
            lines.add("host-record=" + host + "," + address);
            return this;
        }

        /** A TXT record of one string (in quotes: commas and spaces are the string's). */
        public Builder txt(String name, String text) {
            if (text.contains("\"") || text.contains("\\")) throw new IllegalArgumentException("no quotes or backslashes in a TXT string here");
            zone(name);
            lines.add("txt-record=" + name + ",\"" + text + "\"");
            return this;
        }

        private void zone(String name) {
            // authoritative for the registered domain: the last two labels
            String[] labels = name.split("\\.");
            zones.add(labels.length <= 2 ? name : labels[labels.length - 2] + "." + labels[labels.length - 1]);
        }

        /** Writes the configuration, starts dnsmasq on a fresh loopback address and waits until it answers. */
        public Dnsmasq start() throws IOException, InterruptedException {
            if (!available()) throw new IllegalStateException(BINARY + " is missing: install Debian's dnsmasq-base");
            Files.createDirectories(dir);
            InetSocketAddress at = freeAddress();
            List<String> conf = new ArrayList<>(List.of(
                    "port=" + at.getPort(), "listen-address=" + at.getAddress().getHostAddress(), "bind-interfaces",
                    "no-resolv", "no-hosts", "no-poll", "log-queries", "cache-size=0"));
            for (String z : zones) conf.add("local=/" + z + "/");
            conf.addAll(lines);
            Path file = dir.resolve("dnsmasq.conf");
            Files.write(file, conf, StandardCharsets.UTF_8);
            Path log = dir.resolve("dnsmasq.log");
            // in the foreground, as whoever runs the test (no user switch), no pid file, the log to stderr
            Process p = new ProcessBuilder(BINARY.toString(), "--keep-in-foreground", "--conf-file=" + file, "--user=", "--group=",
                    "--pid-file=", "--log-facility=-")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Dnsmasq d = new Dnsmasq(p, at, log);
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!d.answers(probe == null ? "localhost" : probe)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    d.close();
                    throw new IOException("dnsmasq did not start on " + d.hostPort() + ": " + d.log());
                }
                Thread.onSpinWait(); // each probe waits up to 300 ms for an answer; the whole wait is bounded above
            }
            return d;
        }
    }

    /** Whether the server answers an MX query for {@code name} (any answer, NXDOMAIN included). */
    boolean answers(String name) {
        try {
            SimpleResolver r = new SimpleResolver(address);
            r.setTimeout(Duration.ofMillis(300));
            Lookup l = new Lookup(org.xbill.DNS.Name.fromString(name, org.xbill.DNS.Name.root), Type.MX);
            l.setResolver(r);
            l.setCache(null);
            Record[] answer = l.run();
            return answer != null || l.getResult() == Lookup.HOST_NOT_FOUND || l.getResult() == Lookup.TYPE_NOT_FOUND;
        } catch (IOException e) {
            return false;
        }
    }

    /** A loopback address of our own (127.x.y.z, never 127.0.0.1) and a port free for UDP and TCP on it. */
    static InetSocketAddress freeAddress() throws IOException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            InetAddress a = InetAddress.getByAddress(new byte[] {127, (byte) random.nextInt(1, 255), (byte) random.nextInt(0, 256),
                    (byte) random.nextInt(1, 255)});
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(a, 0)); ServerSocket tcp = new ServerSocket()) {
                tcp.bind(new InetSocketAddress(a, udp.getLocalPort()));
                return new InetSocketAddress(a, udp.getLocalPort());
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("no free loopback address and port", last);
    }
}
