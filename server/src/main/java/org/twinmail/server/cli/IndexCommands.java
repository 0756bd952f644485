package org.twinmail.server.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.twinmail.core.config.ConfigLoader;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.search.IndexUpdater;
import org.twinmail.search.SearchIndex;
import org.twinmail.server.DataDirLock;
import org.twinmail.server.StoreOpener;
import org.twinmail.store.MailStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code twinmail admin index rebuild}: the full-text index built again from the store. On a
 * stopped node the CLI takes the data directory's lock and rebuilds it itself; a running node
 * (the active one of a pair, whose data directory is mounted here) holds the index's lock, so
 * the CLI leaves it a request file ({@link IndexUpdater#requestFile}) and waits for its answer.
 */
@Command(name = "index", mixinStandardHelpOptions = true, description = "The full-text search index (dataDir/index).")
final class IndexCommands {
    @ParentCommand
    AdminCommand admin;

    @Spec
    CommandSpec spec;

    @Command(name = "rebuild", description = "Rebuild the full-text index from the store (it is also rebuilt by itself when missing or stale).")
    int rebuild(@Option(names = "--wait", paramLabel = "DURATION", defaultValue = "30m",
            description = "How long to wait for a running server's rebuild, e.g. 90s, 10m (default: ${DEFAULT-VALUE}).") String waitFor) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TwinmailConfig cfg;
        Duration wait;
        try {
            cfg = ConfigLoader.load(admin.config);
            wait = Duration.parse("PT" + waitFor.toUpperCase(java.util.Locale.ROOT));
        } catch (ConfigLoader.ConfigException e) {
            err.println("twinmail: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (java.time.format.DateTimeParseException e) {
            err.println("twinmail: --wait: not a duration: " + waitFor);
            return ExitCodes.USAGE;
        }
        Path dataDir = (admin.data != null ? admin.data : Path.of(cfg.dataDir)).toAbsolutePath().normalize();
        if (!Files.isDirectory(dataDir)) {
            err.println("twinmail: no data directory " + dataDir + " (in a pair, run this on the active node)");
            return ExitCodes.UNAVAILABLE;
        }
        try {
            Optional<DataDirLock> lock = DataDirLock.tryAcquire(dataDir);
            if (lock.isPresent()) {
                try (DataDirLock held = lock.get();
                     MailStore store = StoreOpener.open(cfg, dataDir, new SimpleMeterRegistry());
                     SearchIndex index = SearchIndex.open(dataDir.resolve("index"), cfg.search.maxIndexedChars)) {
                    int n = IndexUpdater.rebuildNow(index, store, store, store);
                    out.println("rebuilt the search index: " + n + " messages");
                    return ExitCodes.OK;
                }
            }
            return requestFromServer(dataDir, wait, out, err);
        } catch (IOException | RuntimeException e) {
            err.println("twinmail: cannot rebuild the search index in " + dataDir + ": " + e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
    }

    private static int requestFromServer(Path dataDir, Duration wait, PrintWriter out, PrintWriter err) throws IOException {
        Path request = IndexUpdater.requestFile(dataDir);
        Path answer = IndexUpdater.rebuiltFile(dataDir);
        Files.deleteIfExists(answer);
        Files.writeString(request, "rebuild\n");
        out.println("asked the running server to rebuild the search index; waiting");
        out.flush();
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(answer)) {
                String result = Files.readString(answer).strip();
                Files.deleteIfExists(answer);
                if (result.startsWith("failed")) {
                    err.println("twinmail: the server's rebuild " + result);
                    return ExitCodes.SOFTWARE;
                }
                out.println("rebuilt the search index: " + result + " messages");
                return ExitCodes.OK;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean taken = !Files.deleteIfExists(request);
        err.println("twinmail: " + (taken ? "the server is still rebuilding the search index (see its log)"
                : "the server did not take the request (is search.enabled on, and is this the active node?)"));
        return ExitCodes.UNAVAILABLE;
    }
}
