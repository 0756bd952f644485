package org.twinmail.server.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Optional;
import org.twinmail.admin.AdminClient;
import org.twinmail.admin.AdminException;
import org.twinmail.admin.AdminOperations;
import org.twinmail.admin.AdminService;
import org.twinmail.admin.AuditedOperations;
import org.twinmail.core.auth.PasswordHasher;
import org.twinmail.core.config.ConfigLoader;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.mail.dkim.DkimKeys;
import org.twinmail.server.DataDirLock;
import org.twinmail.server.RunFile;
import org.twinmail.server.StoreOpener;
import org.twinmail.server.TwinmailServer;
import org.twinmail.store.MailStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code twinmail admin}: manages domains, users and aliases. With a server running on
 * the data directory the commands go to its admin API (found through
 * {@code <data>/run/admin.json}); with none, the CLI takes the data directory's lock
 * and works on the store itself. Which of the two is decided by the lock, not guessed.
 */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Manage domains, users and aliases; reload TLS certificates; inspect the outbound queue; DKIM keys; back up and restore the store.",
        subcommands = {DomainCommands.class, UserCommands.class, AliasCommands.class, TlsCommands.class, QueueCommands.class, DkimCommands.class,
                IndexCommands.class, RuleCommands.class, QuarantineCommands.class, BanCommands.class, OutboundCommands.class, SmsCommands.class, TlsRptCommands.class, BackupCommands.Backup.class,
                BackupCommands.Restore.class, AdminsCommands.class, AuditCommand.class, SieveCommands.class})
final class AdminCommand {

    @Option(names = "--data", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Data directory of the node (default: dataDir of --config, else ./data).")
    Path data;

    @Option(names = "--config", paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "Configuration file of the node.")
    Path config;

    /** Runs {@code action} against the running server or, if none, the store on disk; returns the exit code. */
    int run(java.io.PrintWriter err, AdminAction action) {
        TwinmailConfig cfg;
        try {
            cfg = ConfigLoader.load(config);
        } catch (ConfigLoader.ConfigException e) {
            err.println("twinmail: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Path dataDir = (data != null ? data : Path.of(cfg.dataDir)).toAbsolutePath().normalize();
        DkimKeys dkim;
        try {
            dkim = DkimKeys.fromConfig(cfg.relay.dkim, dataDir);
        } catch (IllegalArgumentException e) {
            err.println("twinmail: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (TwinmailServer.isPair(cfg)) return runInPair(err, cfg, action);
        try {
            Optional<DataDirLock> lock = DataDirLock.tryAcquire(dataDir);
            if (lock.isEmpty()) {
                RunFile run = RunFile.read(dataDir).orElseThrow(() -> new AdminException(AdminException.Kind.UNAVAILABLE,
                        "a twinmail server (pid " + DataDirLock.holder(dataDir) + ") holds " + dataDir
                                + " but publishes no admin endpoint yet; try again when it has started"));
                action.run(new AdminClient(run.uri(), run.token()));
                return ExitCodes.OK;
            }
            try (DataDirLock held = lock.get();
                 MailStore store = StoreOpener.open(cfg, dataDir, new SimpleMeterRegistry())) {
                PasswordHasher hasher = new PasswordHasher(cfg.auth.argon2MemoryKiB, cfg.auth.argon2Iterations, 1);
                AdminService service = new AdminService(store, hasher, dkim, cfg.smtp.postmaster, cfg.hostname, cfg.console.auditRetention)
                        .clients(org.twinmail.admin.DomainDns.Settings.of(cfg))
                        .passwordPolicy(new org.twinmail.core.auth.PasswordPolicy(cfg.auth.minPasswordLength));
                action.run(AuditedOperations.wrap(service, "cli:" + System.getProperty("user.name", "?")));
                return ExitCodes.OK;
            }
        } catch (AdminException e) {
            err.println("twinmail: " + e.getMessage());
            return ExitCodes.of(e.kind());
        } catch (java.io.IOException e) {
            err.println("twinmail: cannot use " + dataDir + ": " + e.getMessage());
            return ExitCodes.UNAVAILABLE;
        }
    }

    /**
     * In a pair the store lives on the shared volume, mounted only by the active node: the
     * command goes to the node running on this machine, whose admin API serves it if it is
     * active and otherwise answers with the name of the active node. It never opens the
     * store itself, since the volume may be in use by the other machine.
     */
    private static int runInPair(java.io.PrintWriter err, TwinmailConfig cfg, AdminAction action) {
        Path runDir;
        try {
            runDir = TwinmailServer.runDir(cfg);
        } catch (IllegalStateException e) {
            err.println("twinmail: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        try {
            RunFile run = RunFile.read(runDir).orElseThrow(() -> new AdminException(AdminException.Kind.UNAVAILABLE,
                    "no twinmail node runs on this machine (no run file in " + runDir + "); in a pair, admin"
                            + " commands go to a running node, which forwards nothing and names the active one"));
            action.run(new AdminClient(run.uri(), run.token()));
            return ExitCodes.OK;
        } catch (AdminException e) {
            err.println("twinmail: " + e.getMessage());
            return ExitCodes.of(e.kind());
        }
    }

    @FunctionalInterface
    interface AdminAction {
        void run(AdminOperations ops);
    }
}
