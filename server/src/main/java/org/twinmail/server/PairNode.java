package org.twinmail.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.cluster.ActiveServices;
import org.twinmail.cluster.ClusterNode;
import org.twinmail.cluster.ClusterSettings;
import org.twinmail.cluster.ControlSocket;
import org.twinmail.cluster.ServiceProbes;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.store.ChangeLog;

/**
 * A node of a hot-standby pair: the {@link TwinmailServer} (HTTP and metrics on every
 * node; store and protocol services only while active) driven by a {@link ClusterNode}
 * (lease, heartbeats, takeover), with the control socket for {@code twinmail cluster}.
 */
public final class PairNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PairNode.class);

    private final TwinmailServer server;
    private final ClusterNode cluster;
    private final ControlSocket control;

    private PairNode(TwinmailServer server, ClusterNode cluster, ControlSocket control) {
        this.server = server;
        this.cluster = cluster;
        this.control = control;
    }

    /** Starts the node in standby; it takes over by itself when the lease allows. */
    public static PairNode start(TwinmailConfig config) throws IOException {
        ClusterSettings settings;
        try {
            settings = ClusterSettings.from(config);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        TwinmailServer server = TwinmailServer.start(config);
        ClusterNode cluster = null;
        try {
            cluster = ClusterNode.start(settings, new Services(server), server.registry());
            ClusterNode c = cluster;
            server.clusterView(c::whoServes, () -> {
                Map<String, String> checks = new LinkedHashMap<>();
                checks.put("cluster", c.role() + " at epoch " + c.epoch());
                return checks;
            });
            return new PairNode(server, cluster, ControlSocket.start(server.runDir(), cluster));
        } catch (IOException | RuntimeException e) {
            if (cluster != null) cluster.close();
            server.close();
            throw e;
        }
    }

    public TwinmailServer server() {
        return server;
    }

    public ClusterNode cluster() {
        return cluster;
    }

    /** Hands the service over if this node has it, then stops everything. */
    @Override
    public void close() {
        control.close();
        cluster.close();
        server.close();
    }

    /** The server's active part as the cluster sees it. */
    private record Services(TwinmailServer server) implements ActiveServices {
        /** Rewritten by every health probe, beside the store on the data volume. */
        static final String PROBE_FILE = "health-probe";

        @Override
        public void start(long epoch) throws IOException {
            server.activate(epoch);
        }

        @Override
        public void stop() {
            server.deactivate();
        }

        /**
         * Each protocol (SMTP, POP3, IMAP) through its own listener; then the store: a read, and a fence with
         * the current epoch (a write transaction that changes nothing, so it proves the
         * writer thread works and no newer epoch has fenced us out); then a small write
         * with fsync on the data volume itself, because a transaction that changes nothing
         * may never touch the disk, and a volume that fails or turned read-only must show.
         */
        @Override
        public List<String> probe(Duration timeout) {
            List<String> failures = new ArrayList<>();
            try {
                for (InetSocketAddress a : server.smtpAddresses()) ServiceProbes.smtp(ServiceProbes.reachable(a), timeout).ifPresent(failures::add);
                for (InetSocketAddress a : server.pop3Addresses()) ServiceProbes.pop3(ServiceProbes.reachable(a), timeout).ifPresent(failures::add);
                for (InetSocketAddress a : server.imapAddresses()) ServiceProbes.imap(ServiceProbes.reachable(a), timeout).ifPresent(failures::add);
                ChangeLog store = server.store();
                store.lastChangePosition();
                store.fence(store.epoch());
            } catch (RuntimeException e) {
                failures.add("store: " + e.getMessage());
                log.debug("store probe", e);
            }
            Path probe = server.dataDir().resolve(PROBE_FILE);
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(Long.BYTES).putLong(0, System.currentTimeMillis()), 0);
                ch.force(true);
            } catch (IOException | RuntimeException e) {
                failures.add("data volume: cannot write " + probe + ": " + e.getMessage());
            }
            return failures;
        }
    }
}
