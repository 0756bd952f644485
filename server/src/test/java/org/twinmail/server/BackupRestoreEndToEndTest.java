package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.mail.EmailAddress;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.store.Delivery;
import org.twinmail.store.MailStore;

/**
 * {@code twinmail admin backup} of a running node while mail keeps arriving, then {@code
 * twinmail admin restore} into fresh data directories: the newest snapshot restores every
 * mailbox of every account exactly (entries, flags, sizes, bodies), {@code --until} a time
 * before the second snapshot restores the first, and deliveries went on during the backup.
 */
class BackupRestoreEndToEndTest {
    @TempDir
    Path data;
    @TempDir
    Path backups;
    @TempDir
    Path restored;

    @Test
    void aBackupOfARunningNodeRestoresIntoAFreshDataDirectoryWithEveryMailboxIntact() throws Exception {
        List<String> users = List.of("ann@backup.example", "bob@backup.example", "cy@backup.example");
        CliRunner.Result first;
        Instant firstTime;
        Map<String, List<String>> atFirst;
        int deliveredDuringBackup;
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            assertThat(admin(data, "domain", "add", "backup.example").exit()).isZero();
            for (String u : users) assertThat(admin(data, "user", "add", u, "--password", "pw-long-enough").exit()).isZero();
            MailStore store = server.store();
            List<Long> ids = users.stream().map(u -> store.findAccount(EmailAddress.parse(u)).orElseThrow().id()).toList();
            for (int i = 0; i < 120; i++) deliver(store, ids.subList(0, 1 + i % 3), i, i % 4 == 0 ? 200_000 : 2_000);
            atFirst = picture(store, ids);
            first = admin(data, "backup", backups.toString());
            assertThat(first.exit()).as(first.err()).isZero();
            assertThat(first.out()).contains("(" + atFirst.values().stream().mapToLong(List::size).sum() + " messages");
            firstTime = Instant.parse(first.out().split(": ")[1].split(" ")[0]);

            // mail keeps arriving while the second backup runs
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger n = new AtomicInteger(1000);
            AtomicLong during = new AtomicLong();
            AtomicBoolean backingUp = new AtomicBoolean();
            Thread load = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    int i = n.getAndIncrement();
                    deliver(store, ids.subList(0, 1 + i % 3), i, 50_000);
                    if (backingUp.get()) during.incrementAndGet();
                }
            });
            while (n.get() < 1050) Thread.onSpinWait();
            backingUp.set(true);
            CliRunner.Result second = admin(data, "backup", backups.toString());
            backingUp.set(false);
            stop.set(true);
            load.join();
            assertThat(second.exit()).as(second.err()).isZero();
            deliveredDuringBackup = (int) during.get();
        }
        assertThat(deliveredDuringBackup).as("deliveries committed while the backup ran").isPositive();

        // the node is stopped: its store as it is now is what the newest snapshot must hold, but for the
        // messages delivered after that snapshot began; so compare the first snapshot exactly, and the newest as a prefix
        Map<String, List<String>> now;
        List<Long> ids;
        try (MailStore store = StoreOpener.open(TestConfigs.loopback(data), data, new SimpleMeterRegistry())) {
            ids = users.stream().map(u -> store.findAccount(EmailAddress.parse(u)).orElseThrow().id()).toList();
            now = picture(store, ids);
        }
        Path untilFirst = restored.resolve("until-first");
        CliRunner.Result r = admin(untilFirst, "restore", backups.toString(), "--until", firstTime.plusMillis(1).toString());
        assertThat(r.exit()).as(r.err()).isZero();
        try (MailStore store = StoreOpener.open(TestConfigs.loopback(untilFirst), untilFirst, new SimpleMeterRegistry())) {
            assertThat(picture(store, ids)).isEqualTo(atFirst);
        }
        Path newest = restored.resolve("newest");
        r = admin(newest, "restore", backups.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        try (MailStore store = StoreOpener.open(TestConfigs.loopback(newest), newest, new SimpleMeterRegistry())) {
            Map<String, List<String>> back = picture(store, ids);
            assertThat(back.keySet()).isEqualTo(now.keySet());
            for (String mailbox : now.keySet()) {
                List<String> all = now.get(mailbox);
                List<String> got = back.get(mailbox);
                assertThat(got.size()).as(mailbox).isGreaterThanOrEqualTo(atFirst.get(mailbox).size()).isLessThanOrEqualTo(all.size());
                assertThat(all.subList(0, got.size())).as(mailbox + ": the snapshot is the mailbox up to its time").isEqualTo(got);
            }
        }
        // a restore never overwrites a store
        assertThat(admin(newest, "restore", backups.toString()).exit()).isEqualTo(4);
        assertThat(Files.exists(backups.resolve("snapshots"))).isTrue();
    }

    private static void deliver(MailStore store, List<Long> to, int i, int size) {
        StringBuilder b = new StringBuilder("From: <s@backup.example>\r\nSubject: message " + i + "\r\n\r\n");
        while (b.length() < size) b.append("line ").append(i).append(' ').append(b.length()).append("\r\n");
        store.deliver(new Delivery(to, MessageSpool.of(b.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII)), Instant.now()));
    }

    /** Every mailbox of the accounts (name, UIDVALIDITY), each entry's uid, flags, size, date and body digest. */
    private static Map<String, List<String>> picture(MailStore s, List<Long> accounts) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (long acc : accounts) {
            Account a = s.findAccount(acc).orElseThrow();
            for (Mailbox m : s.mailboxes(acc)) {
                List<String> entries = new ArrayList<>();
                for (MessageEntry e : s.messages(m.id())) {
                    byte[] body;
                    try (var in = s.openBlob(e.blobId())) {
                        body = in.readAllBytes();
                    }
                    entries.add(e.uid() + " " + new java.util.TreeSet<>(e.flags()) + " " + e.size() + " " + e.internalDate() + " "
                            + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(body)));
                }
                out.put(a.address() + "/" + m.name() + " uidvalidity " + m.uidValidity(), entries);
            }
        }
        return out;
    }

    private static CliRunner.Result admin(Path dataDir, String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "admin";
        full[1] = "--data";
        full[2] = dataDir.toString();
        System.arraycopy(args, 0, full, 3, args.length);
        return CliRunner.run(full);
    }
}
