package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.Mailbox;
import org.twinmail.core.model.MessageEntry;

/**
 * mbsync (Debian package isync), a command-line sync client, syncing a mailbox both ways:
 * server mail reaches a local Maildir, a local new message and a local flag change reach
 * the server, a server-side expunge removes the local copy. mbsync turns on COMPRESS=DEFLATE
 * (RFC 4978) by itself when the server offers it, so all three runs are compressed.
 */
class MbsyncTest {
    @TempDir
    Path dir;

    @Test
    void syncsBothWays() throws Exception {
        try (ImapFixture fx = new ImapFixture(dir.resolve("data"))) {
            ImapServer server = fx.server(l -> { });
            Account a = fx.account();
            fx.deliver(a, ImapFixture.message("from the server", "server body\r\n"));
            fx.deliver(a, ImapFixture.message("second from the server", "server body 2\r\n"));
            Path maildir = dir.resolve("Mail");
            Files.createDirectories(maildir);
            Path rc = dir.resolve("mbsyncrc");
            Files.writeString(rc, String.join("\n",
                    "IMAPAccount twinmail",
                    "Host 127.0.0.1",
                    "Port " + ImapFixture.address(server).getPort(),
                    "User " + a.address(),
                    "Pass \"" + ImapFixture.PASSWORD + "\"",
                    "SSLType None",
                    "AuthMechs PLAIN",
                    "",
                    "IMAPStore remote",
                    "Account twinmail",
                    "",
                    "MaildirStore local",
                    "Path " + maildir + "/",
                    "Inbox " + maildir + "/INBOX",
                    "SubFolders Verbatim",
                    "",
                    "Channel sync",
                    "Far :remote:",
                    "Near :local:",
                    "Patterns INBOX Sent",
                    "Create Both",
                    "Expunge Both",
                    "SyncState *",
                    ""));
            run(rc);
            assertThat(files(maildir.resolve("INBOX"))).hasSize(2);
            assertThat(String.join("\n", contents(maildir.resolve("INBOX")))).contains("Subject: from the server", "server body 2");

            // Local changes: a new message in Sent, the first INBOX message marked seen and flagged.
            Path sentNew = maildir.resolve("Sent").resolve("new");
            Files.createDirectories(sentNew);
            Files.createDirectories(maildir.resolve("Sent").resolve("cur"));
            Files.createDirectories(maildir.resolve("Sent").resolve("tmp"));
            Files.writeString(sentNew.resolve("1700000000.local.host"),
                    "From: me@example.com\r\nTo: you@example.org\r\nSubject: written locally\r\n\r\nlocal body\r\n");
            Path first = files(maildir.resolve("INBOX")).stream().filter(p -> read(p).contains("Subject: from the server")).findFirst().orElseThrow();
            Path cur = maildir.resolve("INBOX").resolve("cur");
            String base = first.getFileName().toString().split(":2,")[0];
            Files.move(first, cur.resolve(base + ":2,FS"));
            run(rc);

            Mailbox sent = fx.store.mailbox(a.id(), "Sent").orElseThrow();
            List<MessageEntry> sentMessages = fx.store.messages(sent.id());
            assertThat(sentMessages).hasSize(1);
            try (var in = fx.store.openBlob(sentMessages.getFirst().blobId())) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("Subject: written locally");
            }
            Mailbox inbox = fx.store.mailbox(a.id(), "INBOX").orElseThrow();
            List<MessageEntry> inboxMessages = fx.store.messages(inbox.id());
            assertThat(inboxMessages.getFirst().flags()).contains("\\Seen", "\\Flagged");

            // A server-side expunge reaches the Maildir.
            fx.store.expunge(inbox.id(), List.of(inboxMessages.get(1).uid()));
            run(rc);
            assertThat(files(maildir.resolve("INBOX"))).hasSize(1);
            assertThat(fx.counter("twinmail.imap.commands", "command", "COMPRESS")).as("mbsync ran compressed").isEqualTo(3);
        }
    }

    private static void run(Path rc) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mbsync", "-c", rc.toString(), "-a").redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("mbsync finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static List<Path> files(Path box) throws IOException {
        try (Stream<Path> s = Stream.concat(Files.list(box.resolve("cur")), Files.list(box.resolve("new")))) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    private static List<String> contents(Path box) throws IOException {
        return files(box).stream().map(MbsyncTest::read).toList();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
