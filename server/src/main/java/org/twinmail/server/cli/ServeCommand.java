package org.twinmail.server.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.ConfigLoader;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.mail.dkim.DkimKeys;
import org.twinmail.dns.DnsMxResolver;
import org.twinmail.server.PairNode;
import org.twinmail.server.TwinmailServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code twinmail serve}: runs a node until SIGTERM/SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Start the mail server (no config file: SMTP 2525, POP3 2110, HTTP 8080, data under ./data).")
final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (see twinmail.example.yaml).")
    Path config;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory; overrides dataDir of the config file.")
    Path data;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        TwinmailConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigLoader.ConfigException e) {
            System.err.println("twinmail: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (data != null) cfg.dataDir = data.toString();
        try {
            // Checked here, not when the relay first starts: in a pair that is at a takeover,
            // the worst moment to learn of a typo in a selector or a DNS server address.
            DkimKeys.fromConfig(cfg.relay.dkim, Path.of(cfg.dataDir));
            DnsMxResolver.fromConfig(cfg.relay.dns);
        } catch (IllegalArgumentException e) {
            System.err.println("twinmail: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        TwinmailServer server;
        AutoCloseable node;
        try {
            if (TwinmailServer.isPair(cfg)) {
                // one of a hot-standby pair: starts as standby, the cluster takes over when the lease allows
                PairNode pair = PairNode.start(cfg);
                server = pair.server();
                node = pair;
            } else {
                server = TwinmailServer.start(cfg);
                node = server;
            }
        } catch (IllegalStateException | java.io.IOException e) {
            System.err.println("twinmail: " + e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                log.error("stopping: {}", e.toString());
            }
            stopped.countDown();
        }, "twinmail-shutdown"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String ready = "TwinMail ready in " + ms + " ms: " + server.describe();
        log.info(ready);
        System.out.println(ready);
        System.out.flush();
        stopped.await();
        return ExitCodes.OK;
    }
}
