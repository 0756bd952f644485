package org.twinmail.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.cluster.ActiveServices;
import org.twinmail.cluster.ClusterNode;
import org.twinmail.cluster.ClusterSettings;
import org.twinmail.cluster.ControlSocket;
import org.twinmail.cluster.HostSetup;
import org.twinmail.cluster.ProbeFailure;
import org.twinmail.cluster.ServiceProbes;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.store.ChangeLog;
import org.twinmail.store.MailStore;

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
        // before anything starts: a missing arping or no way to tell isolation must not wait for a takeover to show
        ClusterSettings configured = settings;
        settings = HostSetup.prepare(settings, HostSetup.system());
        if (configured.pingTargets().isEmpty() && !settings.pingTargets().isEmpty()) {
            log.info("cluster.pingTargets not set: pinging the default gateway(s) of {}: {}", settings.vipInterface(), settings.pingTargets());
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
            c.onEvent(server.cluster(c)::recordTakeover);
            server.pairProtection(() -> {
                var s = c.status();
                return s.peerAlive() ? null : "the peer " + s.peerId() + " is not heard (its lease expired)";
            });
            PairNode node = new PairNode(server, cluster, ControlSocket.start(server.runDir(), cluster));
            // after the start, not before it: the node answers on its control socket as soon as before (an OCF agent's
            // start timed out under load while the warm-up took the CPU), and it cannot take over before it has watched
            // the peer for a whole lease, which is about as long as the warm-up takes
            Path warmDir = settings.stateDir().resolve("warm-up");
            Thread.ofPlatform().name("warm-up").daemon().start(() -> warmUp(server, config, warmDir, WARM_UP_ROUNDS));
            return node;
        } catch (IOException | RuntimeException e) {
            if (cluster != null) cluster.close();
            server.close();
            throw e;
        }
    }

    /** Rounds of each protocol the warm-up speaks: enough for the session code to be compiled (C1), a few seconds of CPU. */
    static final int WARM_UP_ROUNDS = 40;

    /**
     * Makes the takeover's path warm while the node starts (it cannot take over before it has
     * watched the peer for a lease): opens a throwaway store on node-local disk and runs the
     * protocol services over it ({@link ProtocolWarmUp}), then closes and deletes it. A takeover
     * then finds the store's classes loaded, SQLite's native library in place, the full-text
     * index's (Lucene's) classes and codecs loaded, and the sessions', parsers' and delivery's code compiled: in the lab on a loaded 2-core machine
     * the first store open in a JVM took about a second (later ones 25-100 ms), and the first
     * SMTP transaction after a takeover 0.3-2 s on a JVM that had never served (40-80 ms on one
     * that had).
     */
    static void warmUp(TwinmailServer server, TwinmailConfig config, Path dir, int rounds) {
        long t0 = System.nanoTime();
        try {
            deleteTree(dir);
            MailStore store = StoreOpener.openFenced(config, dir, 1, new SimpleMeterRegistry());
            long tStore;
            try {
                store.lastChangePosition();
                store.fence(1);
                tStore = System.nanoTime();
                ProtocolWarmUp.run(config, store, dir.resolve("index"), server.tls(), server.hasher(), rounds);
            } finally {
                store.close();
            }
            log.info("takeover path warmed up in {} ms (store {} ms, then {} rounds of SMTP, POP3 and IMAP on loopback, and the search index)",
                    (System.nanoTime() - t0) / 1_000_000, (tStore - t0) / 1_000_000, rounds);
        } catch (IOException | RuntimeException e) {
            log.warn("warming up the takeover path in {} failed ({}); the first takeover will be slower", dir, e.toString());
        } finally {
            try {
                deleteTree(dir);
            } catch (IOException e) {
                log.warn("cannot remove {}: {}", dir, e.getMessage());
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!java.nio.file.Files.exists(dir)) return;
        try (var paths = java.nio.file.Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
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
        public String start(long epoch) throws IOException {
            server.activate(epoch);
            return server.lastActivation();
        }

        @Override
        public void stop() {
            server.deactivate();
        }

        @Override
        public void closeConnections() {
            server.closeConnections();
        }

        /**
         * The data volume first: a small write with fsync beside the store, because a
         * transaction that changes nothing may never touch the disk, and a volume that fails
         * or turned read-only must show, as what it is (EIO, EROFS, ENOSPC). Then each
         * protocol (SMTP, POP3, IMAP) through its own listener; then the store: a read, and a
         * fence with the current epoch (a write transaction that changes nothing, so it proves
         * the writer thread works and no newer epoch has fenced us out). When the store fails
         * and the probe file could be written, the store's own files are read directly
         * (bypassing the page cache where the filesystem allows): SQLite reports a read that
         * failed with EIO as {@code SQLITE_CORRUPT}, so the I/O error is found here and named
         * as the cause rather than a "malformed" database that is intact on disk.
         */
        @Override
        public List<ProbeFailure> probe(Duration timeout) {
            // side by side, so that a round takes one timeout, not one per probe: a hung volume is then told from a slow
            // answer sooner (the round's deadline is the timeout and half an interval)
            List<java.util.concurrent.Callable<List<ProbeFailure>>> probes = new ArrayList<>();
            probes.add(this::probeVolume);
            for (InetSocketAddress a : server.smtpAddresses()) probes.add(() -> ServiceProbes.smtp(ServiceProbes.reachable(a), timeout).map(ProbeFailure::service).stream().toList());
            for (InetSocketAddress a : server.pop3Addresses()) probes.add(() -> ServiceProbes.pop3(ServiceProbes.reachable(a), timeout).map(ProbeFailure::service).stream().toList());
            for (InetSocketAddress a : server.imapAddresses()) probes.add(() -> ServiceProbes.imap(ServiceProbes.reachable(a), timeout).map(ProbeFailure::service).stream().toList());
            probes.add(this::probeStore);
            List<ProbeFailure> failures = new ArrayList<>();
            try (var each = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (var f : each.invokeAll(probes)) {
                    try {
                        failures.addAll(f.get());
                    } catch (java.util.concurrent.ExecutionException e) {
                        failures.add(ProbeFailure.service("probe failed: " + e.getCause()));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add(ProbeFailure.service("probe interrupted"));
                return failures;
            }
            // the store failed and the volume's write worked: read the store's own files, which names an I/O error as the cause
            boolean storeFailed = failures.stream().anyMatch(f -> !f.storageIo() && f.detail().startsWith("store: "));
            if (storeFailed && failures.stream().noneMatch(ProbeFailure::storageIo)) {
                storeFilesUnreadable().ifPresent(f -> failures.addFirst(f));
            }
            return failures;
        }

        /** A small write with fsync beside the store: a transaction that changes nothing may never reach a failed disk. */
        private List<ProbeFailure> probeVolume() {
            Path probe = server.dataDir().resolve(PROBE_FILE);
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(Long.BYTES).putLong(0, System.currentTimeMillis()), 0);
                ch.force(true);
                return List.of();
            } catch (IOException e) {
                return List.of(ProbeFailure.storageIo("data volume: cannot write " + probe + ": " + ioMessage(e)));
            } catch (RuntimeException e) {
                return List.of(ProbeFailure.service("data volume: cannot write " + probe + ": " + e));
            }
        }

        /** A read, and a fence with the current epoch (a write transaction that changes nothing). */
        private List<ProbeFailure> probeStore() {
            try {
                ChangeLog store = server.store();
                store.lastChangePosition();
                store.fence(store.epoch());
                return List.of();
            } catch (RuntimeException e) {
                log.debug("store probe", e);
                return List.of(ProbeFailure.service("store: " + e.getMessage()));
            }
        }

        /** The first of the store's database files (under {@code dataDir/store}) that cannot be read, as a storage I/O error. */
        private Optional<ProbeFailure> storeFilesUnreadable() {
            Path dir = server.dataDir().resolve("store");
            for (String name : List.of("mail.db", "mail.db-wal")) {
                Path f = dir.resolve(name);
                try {
                    readFirstAndLastBlock(f);
                } catch (java.nio.file.NoSuchFileException e) {
                    // no WAL at the moment: nothing to read
                } catch (IOException e) {
                    return Optional.of(ProbeFailure.storageIo("data volume: cannot read " + f + ": " + ioMessage(e)));
                }
            }
            return Optional.empty();
        }

        /**
         * Reads a file's first and last 4 KiB, with {@code O_DIRECT} where the filesystem
         * allows (so the device answers, not the page cache), else through the cache.
         */
        private static void readFirstAndLastBlock(Path f) throws IOException {
            int block = 4096;
            ByteBuffer buf = ByteBuffer.allocateDirect(2 * block).alignedSlice(block).limit(block);
            FileChannel ch;
            try {
                ch = FileChannel.open(f, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                ch = FileChannel.open(f, StandardOpenOption.READ);
            } catch (IOException e) {
                if (e instanceof java.nio.file.NoSuchFileException || !String.valueOf(e.getMessage()).contains("Invalid argument")) throw e;
                ch = FileChannel.open(f, StandardOpenOption.READ); // O_DIRECT refused at open (EINVAL)
            }
            try (FileChannel c = ch) {
                long size = c.size();
                c.read(buf.clear(), 0);
                if (size > block) c.read(buf.clear(), (size - 1) / block * block);
            }
        }

        /** The JDK puts the path before strerror ("/x/y: Input/output error"): the reason names the path once. */
        private static String ioMessage(IOException e) {
            String m = String.valueOf(e.getMessage());
            int i = m.lastIndexOf(": ");
            return i >= 0 && m.startsWith("/") ? m.substring(i + 2) : m;
        }
    }
}
