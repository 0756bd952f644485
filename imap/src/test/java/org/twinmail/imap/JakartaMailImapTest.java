package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.BodyPart;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.search.AndTerm;
import jakarta.mail.search.FlagTerm;
import jakarta.mail.search.SubjectTerm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;

/** An independent client: Jakarta Mail's IMAP provider (Angus) — folders, append, fetch, flags, search, move, IDLE. */
class JakartaMailImapTest {
    @TempDir
    static Path dataDir;
    static ImapFixture fx;
    static ImapServer server;

    @BeforeAll
    static void start() throws Exception {
        fx = new ImapFixture(dataDir);
        server = fx.server(l -> { });
    }

    @AfterAll
    static void stop() {
        if (fx != null) fx.close();
    }

    private static Store connect(Account a, ByteArrayOutputStream transcript) throws Exception {
        return connect(a, transcript, new Properties());
    }

    private static Store connect(Account a, ByteArrayOutputStream transcript, Properties props) throws Exception {
        props.put("mail.imap.host", ImapFixture.address(server).getHostString());
        props.put("mail.imap.port", Integer.toString(ImapFixture.address(server).getPort()));
        props.put("mail.imap.connectiontimeout", "5000");
        props.put("mail.imap.timeout", "10000");
        Session s = Session.getInstance(props);
        s.setDebug(true);
        s.setDebugOut(new PrintStream(transcript, true, StandardCharsets.UTF_8));
        Store store = s.getStore("imap");
        store.connect(a.address().toString(), ImapFixture.PASSWORD);
        return store;
    }

    @Test
    void compressDeflateWhenTheClientAsksForIt() throws Exception {
        Account a = fx.account();
        String body = "A line that repeats, as mail text does.\r\n".repeat(500);
        fx.deliver(a, ImapFixture.message("Compressed", body));
        ByteArrayOutputStream transcript = new ByteArrayOutputStream();
        Properties props = new Properties();
        props.put("mail.imap.compress.enable", "true"); // Angus's COMPRESS=DEFLATE (RFC 4978) support
        Store store = connect(a, transcript, props);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            Message m = inbox.getMessage(1);
            assertThat(m.getSubject()).isEqualTo("Compressed");
            assertThat(((String) m.getContent()).replace("\r\n", "\n")).isEqualTo(body.replace("\r\n", "\n"));
            m.setFlag(Flags.Flag.FLAGGED, true);
            inbox.close(false);
            assertThat(inbox.isOpen()).isFalse();
        } finally {
            store.close();
        }
        String t = transcript.toString(StandardCharsets.UTF_8);
        assertThat(t).containsPattern("[A-Z]\\d+ COMPRESS DEFLATE").containsPattern("[A-Z]\\d+ OK DEFLATE active");
        assertThat(fx.store.messages(fx.store.mailbox(a.id(), "INBOX").orElseThrow().id()).getFirst().flags()).contains("\\Flagged");
    }

    @Test
    void foldersAppendFetchFlagsSearchAndMove() throws Exception {
        Account a = fx.account();
        fx.deliver(a, ImapFixture.message("Delivered one", "first body\r\n"));
        ByteArrayOutputStream transcript = new ByteArrayOutputStream();
        Store store = connect(a, transcript);
        try {
            assertThat(Arrays.stream(store.getDefaultFolder().list("*")).map(Folder::getFullName))
                    .contains("INBOX", "Sent", "Drafts", "Trash", "Junk");
            Folder projects = store.getFolder("Projects/2026 Ü");
            assertThat(projects.create(Folder.HOLDS_MESSAGES)).isTrue();
            assertThat(store.getFolder("Projects/2026 Ü").exists()).isTrue();

            // A multipart message appended with a flag, read back part by part.
            MimeMessage m = new MimeMessage((Session) null);
            m.setFrom(new InternetAddress("sender@example.org", "Sänder"));
            m.setRecipients(Message.RecipientType.TO, "rcpt@example.com");
            m.setSubject("Grüße mit Anhang", "UTF-8");
            MimeBodyPart text = new MimeBodyPart();
            text.setText("Hallo Welt", "UTF-8");
            MimeBodyPart file = new MimeBodyPart();
            file.setContent(new byte[] {1, 2, 3, 4, 5}, "application/octet-stream");
            file.setFileName("data.bin");
            MimeMultipart mp = new MimeMultipart(text, file);
            m.setContent(mp);
            m.setFlag(Flags.Flag.FLAGGED, true);
            m.saveChanges();
            projects.open(Folder.READ_WRITE);
            ((IMAPFolder) projects).appendUIDMessages(new Message[] {m});
            assertThat(projects.getMessageCount()).isEqualTo(1);
            Message back = projects.getMessage(1);
            assertThat(back.getSubject()).isEqualTo("Grüße mit Anhang");
            assertThat(((InternetAddress) back.getFrom()[0]).getPersonal()).isEqualTo("Sänder");
            assertThat(back.isSet(Flags.Flag.FLAGGED)).isTrue();
            Multipart parts = (Multipart) back.getContent();
            assertThat(parts.getCount()).isEqualTo(2);
            assertThat(parts.getBodyPart(0).getContent()).isEqualTo("Hallo Welt");
            BodyPart attachment = parts.getBodyPart(1);
            assertThat(attachment.getFileName()).isEqualTo("data.bin");
            assertThat(attachment.getInputStream().readAllBytes()).containsExactly(1, 2, 3, 4, 5);
            projects.close(false);

            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_WRITE);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
            Message first = inbox.getMessage(1);
            assertThat(first.getSubject()).isEqualTo("Delivered one");
            assertThat(first.getContent().toString()).isEqualTo("first body\r\n");
            assertThat(first.isSet(Flags.Flag.SEEN)).isTrue(); // reading the body without PEEK marks it seen
            first.setFlag(Flags.Flag.ANSWERED, true);
            Message[] found = inbox.search(new AndTerm(new SubjectTerm("delivered"), new FlagTerm(new Flags(Flags.Flag.ANSWERED), true)));
            assertThat(found).hasSize(1);
            assertThat(inbox.search(new SubjectTerm("nothing like this"))).isEmpty();

            ((IMAPFolder) inbox).moveMessages(new Message[] {first}, store.getFolder("Trash"));
            inbox.close(true);
            assertThat(store.getFolder("INBOX").getMessageCount()).isZero(); // a closed folder asks with STATUS
            Folder trash = store.getFolder("Trash");
            trash.open(Folder.READ_ONLY);
            assertThat(trash.getMessageCount()).isEqualTo(1);
            assertThat(trash.getMessage(1).isSet(Flags.Flag.ANSWERED)).isTrue();
            trash.close(false);

            assertThat(projects.renameTo(store.getFolder("Archive/2026 Ü"))).isTrue();
            assertThat(store.getFolder("Projects/2026 Ü").exists()).isFalse();
            assertThat(store.getFolder("Archive/2026 Ü").exists()).isTrue();
            assertThat(store.getFolder("Archive/2026 Ü").delete(false)).isTrue();
        } finally {
            store.close();
        }
        assertThat(transcript.toString(StandardCharsets.UTF_8)).doesNotContain(" BAD ");
    }

    @Test
    void idleSeesADeliveryWithinOneSecond() throws Exception {
        Account a = fx.account();
        Store store = connect(a, new ByteArrayOutputStream());
        try {
            IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            CompletableFuture<Long> arrived = new CompletableFuture<>();
            inbox.addMessageCountListener(new jakarta.mail.event.MessageCountAdapter() {
                @Override
                public void messagesAdded(jakarta.mail.event.MessageCountEvent e) {
                    arrived.complete(System.nanoTime());
                }
            });
            Thread idler = Thread.ofVirtual().start(() -> {
                try {
                    while (!arrived.isDone()) inbox.idle(true);
                } catch (Exception e) {
                    arrived.completeExceptionally(e);
                }
            });
            // Wait until the IDLE command is in progress: the server has a session waiting on this mailbox.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!idling(a) && System.nanoTime() < deadline) Thread.sleep(10);
            fx.deliver(a, ImapFixture.message("Pushed", "now\r\n"));
            // From the commit (deliver returns once it is durable) to the client's listener.
            long committed = System.nanoTime();
            long at = arrived.get(10, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toMillis(Math.max(0, at - committed))).as("commit to IDLE notification, ms").isLessThan(1000);
            idler.join(5000);
            assertThat(inbox.getMessageCount()).isEqualTo(1);
        } finally {
            store.close();
        }
    }

    /** True once an IDLE command has been counted for this server (the client sent it). */
    private static boolean idling(Account a) {
        return fx.counter("twinmail.imap.commands", "command", "IDLE") > 0;
    }
}
