package org.twinmail.microbench;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageData;
import org.twinmail.store.Delivery;
import org.twinmail.store.DeliveryReceipt;
import org.twinmail.store.MailStore;
import org.twinmail.store.embedded.StoreOptions;

/**
 * Where should message bodies live: inline in SQLite, or as files? Measures
 * the embedded store's {@link MailStore#deliver} end to end (fsync on: the store always runs
 * {@code synchronous=FULL} and fsyncs blob files and their directory), once with
 * every body inline ({@code layout=inline}) and once with every body in a file
 * ({@code layout=file}), for 5 KB, 100 KB and 1 MB messages:
 * <ul>
 *   <li>{@code singleWriter}: one caller, so every delivery is its own commit;</li>
 *   <li>{@code groupCommit16}: 16 callers at once (virtual threads), so the writer
 *       commits them together (the mean batch size is printed after each iteration).</li>
 * </ul>
 * Scores are messages per second. Every message has distinct content (blobs are
 * deduplicated, so repeating one would measure nothing); its SHA-256 is derived from
 * a precomputed prefix state, so building messages costs next to nothing.
 *
 * <p>Run (about 3 minutes; build first, and use the JDK that {@code bin/find-jdk} picks):
 * <pre>
 * bin/mvn -q -pl microbench -am package -DskipTests
 * $(bin/find-jdk)/bin/java -jar microbench/target/benchmarks.jar BlobStorageBenchmark -f 1 -wi 2 -i 3 -r 2s -w 2s
 * </pre>
 * The store goes under {@code java.io.tmpdir}; results depend on the disk, so run it
 * where the data will live: add {@code -jvmArgsAppend -Dtwinmail.bench.dir=/var/lib/twinmail-bench}.
 * Each iteration starts from an empty store and deletes it afterwards. Results and
 * the decision they led to: docs/store.md.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@State(Scope.Benchmark)
public class BlobStorageBenchmark {
    static final int GROUP = 16;
    private static final int SUFFIX = 16;

    @Param({"5120", "102400", "1048576"})
    public int size;

    @Param({"inline", "file"})
    public String layout;

    private Path dir;
    private SimpleMeterRegistry registry;
    private MailStore store;
    private List<Long> recipient;
    private byte[] prefix;
    private MessageDigest prefixDigest;
    private final AtomicLong counter = new AtomicLong();
    private ExecutorService threads;

    @Setup(Level.Trial)
    public void content() {
        // Mail-like text: lines of 76 printable characters and CRLF, as a base64 body looks.
        byte[] p = new byte[size - SUFFIX];
        Random random = new Random(size);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < p.length; i++) {
            p[i] = (i % 78 == 76) ? (byte) '\r' : (i % 78 == 77) ? (byte) '\n' : (byte) alphabet.charAt(random.nextInt(64));
        }
        prefix = p;
        try {
            prefixDigest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        prefixDigest.update(prefix);
        threads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @Setup(Level.Iteration)
    public void open() throws IOException {
        String base = System.getProperty("twinmail.bench.dir", System.getProperty("java.io.tmpdir"));
        Files.createDirectories(Path.of(base));
        dir = Files.createTempDirectory(Path.of(base), "twinmail-blob-bench-");
        registry = new SimpleMeterRegistry();
        long inlineMax = layout.equals("inline") ? StoreOptions.MAX_INLINE_BLOB_MAX_BYTES : 0;
        store = new StoreOptions(dir, 1, 256, inlineMax, 2, registry).open();
        store.addDomain("bench.example");
        long id = store.addAccount(EmailAddress.parse("bench@bench.example"), "$argon2id$unused", 0, 0).id();
        recipient = List.of(id);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        DistributionSummary batches = registry.get("twinmail.store.commit.batch").summary();
        System.out.printf("  [%s %d B: %d commits, mean batch %.1f]%n", layout, size, batches.count(), batches.mean());
        store.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @TearDown(Level.Trial)
    public void stopThreads() {
        threads.close();
    }

    @Benchmark
    public DeliveryReceipt singleWriter() {
        return store.deliver(nextDelivery());
    }

    @Benchmark
    @OperationsPerInvocation(GROUP)
    public void groupCommit16() throws Exception {
        @SuppressWarnings("unchecked")
        Future<DeliveryReceipt>[] results = new Future[GROUP];
        for (int i = 0; i < GROUP; i++) results[i] = threads.submit(() -> store.deliver(nextDelivery()));
        for (Future<DeliveryReceipt> f : results) f.get();
    }

    private Delivery nextDelivery() {
        byte[] suffix = ByteBuffer.allocate(SUFFIX).putLong(counter.incrementAndGet()).put("\r\n\r\n\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).array();
        MessageDigest md;
        try {
            md = (MessageDigest) prefixDigest.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
        md.update(suffix);
        return new Delivery(recipient, new Message(prefix, suffix, HexFormat.of().formatHex(md.digest())), Instant.now());
    }

    /** A message made of a shared prefix and a unique suffix. */
    private record Message(byte[] prefix, byte[] suffix, String sha256) implements MessageData {
        @Override
        public long size() {
            return prefix.length + suffix.length;
        }

        @Override
        public InputStream open() {
            return new SequenceInputStream(new ByteArrayInputStream(prefix), new ByteArrayInputStream(suffix));
        }

        @Override
        public byte[] bytes() {
            byte[] all = new byte[prefix.length + suffix.length];
            System.arraycopy(prefix, 0, all, 0, prefix.length);
            System.arraycopy(suffix, 0, all, prefix.length, suffix.length);
            return all;
        }

        @Override
        public void close() { }
    }

    /** Lets the class be run directly from an IDE. */
    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args.length > 0 ? args : new String[] {BlobStorageBenchmark.class.getSimpleName()});
    }
}
