package org.twinmail.server.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import org.twinmail.admin.AdminOperations;
import org.twinmail.core.config.ConfigLoader;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.server.DataDirLock;
import org.twinmail.server.TwinmailServer;
import org.twinmail.store.BackupReport;
import org.twinmail.store.StoreException;
import org.twinmail.store.embedded.StoreBackup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code twinmail admin backup DIR} and {@code twinmail admin restore DIR [--until TIME]}. */
final class BackupCommands {
    private BackupCommands() {}

    @Command(name = "backup", mixinStandardHelpOptions = true, description = {
            "Write a consistent snapshot of the store (its database and the message bodies it references) into DIR, "
                    + "while the node keeps serving (in a pair: the active node, on its machine). A later backup into the "
                    + "same DIR adds a snapshot and copies only new bodies."})
    static final class Backup implements java.util.concurrent.Callable<Integer> {
        @ParentCommand
        AdminCommand admin;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "Backup directory (on the node's machine).")
        Path dir;

        @Override
        public Integer call() {
            String target = dir.toAbsolutePath().normalize().toString();
            return admin.run(spec.commandLine().getErr(), ops -> {
                AdminOperations.BackupInfo b = ops.backup(target);
                spec.commandLine().getOut().printf("backed up to %s/snapshots/%s: %s (%d messages, %d body files of which %d copied,"
                                + " %d bytes written, change log position %d) in %d ms%n", target, b.snapshot(), b.time(), b.messages(),
                        b.blobFiles(), b.blobFilesCopied(), b.bytesCopied(), b.changePosition(), b.millis());
            });
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, description = {
            "Restore the newest snapshot of the backup directory DIR (with --until: the newest not after TIME) into the "
                    + "node's data directory, which must not hold a store yet and no server may be using. Every body is "
                    + "checked against its SHA-256 and the database with SQLite's quick_check. The change log in a "
                    + "snapshot does not carry message contents: a time between two snapshots restores the earlier one."})
    static final class Restore implements java.util.concurrent.Callable<Integer> {
        @ParentCommand
        AdminCommand admin;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "Backup directory.")
        Path dir;

        @Option(names = "--until", paramLabel = "TIME", description = "ISO-8601 instant, e.g. 2026-12-07T14:00:00Z.")
        String until;

        @Override
        public Integer call() {
            var err = spec.commandLine().getErr();
            Instant limit = null;
            if (until != null) {
                try {
                    limit = OffsetDateTime.parse(until).toInstant();
                } catch (DateTimeParseException e) {
                    err.println("twinmail: --until: not an ISO-8601 time with an offset (2026-12-07T14:00:00Z): " + until);
                    return ExitCodes.USAGE;
                }
            }
            TwinmailConfig cfg;
            try {
                cfg = ConfigLoader.load(admin.config);
            } catch (ConfigLoader.ConfigException e) {
                err.println("twinmail: " + e.getMessage());
                return ExitCodes.USAGE;
            }
            Path dataDir = (admin.data != null ? admin.data : Path.of(cfg.dataDir)).toAbsolutePath().normalize();
            // a single node's server holds the data directory's lock; in a pair the shared volume must be mounted
            // here with both nodes stopped, which the operator knows and the CLI cannot check
            if (!TwinmailServer.isPair(cfg)) {
                try {
                    java.nio.file.Files.createDirectories(dataDir);
                } catch (java.io.IOException e) {
                    err.println("twinmail: cannot create " + dataDir + ": " + e.getMessage());
                    return ExitCodes.UNAVAILABLE;
                }
                try {
                    var lock = DataDirLock.tryAcquire(dataDir);
                    if (lock.isEmpty()) {
                        err.println("twinmail: a twinmail server (pid " + DataDirLock.holder(dataDir) + ") is using " + dataDir + "; stop it first");
                        return ExitCodes.UNAVAILABLE;
                    }
                    try (DataDirLock held = lock.get()) {
                        return restore(limit, dataDir);
                    }
                } catch (java.io.IOException e) {
                    err.println("twinmail: cannot lock " + dataDir + ": " + e.getMessage());
                    return ExitCodes.UNAVAILABLE;
                }
            }
            return restore(limit, dataDir);
        }

        private int restore(Instant limit, Path dataDir) {
            try {
                BackupReport r = StoreBackup.restore(dir.toAbsolutePath().normalize(), limit, dataDir);
                spec.commandLine().getOut().printf("restored snapshot %s (%s) into %s: %d messages, %d body files, %d bytes in %d ms%n",
                        r.snapshot(), r.time(), dataDir, r.messages(), r.blobFiles(), r.bytesCopied(), r.millis());
                return ExitCodes.OK;
            } catch (StoreException.NotFound e) {
                spec.commandLine().getErr().println("twinmail: " + e.getMessage());
                return ExitCodes.NOT_FOUND;
            } catch (StoreException.Conflict e) {
                spec.commandLine().getErr().println("twinmail: " + e.getMessage());
                return ExitCodes.CONFLICT;
            } catch (StoreException e) {
                spec.commandLine().getErr().println("twinmail: " + e.getMessage());
                return ExitCodes.UNAVAILABLE;
            }
        }
    }
}
