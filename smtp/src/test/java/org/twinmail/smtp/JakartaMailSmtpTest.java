package org.twinmail.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.Size;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;

/** An independent client, Jakarta Mail's SMTP transport (Angus), delivering into the real store. */
class JakartaMailSmtpTest {
    @TempDir
    static Path dataDir;
    static SmtpFixture fixture;
    static InetSocketAddress server;

    @BeforeAll
    static void start() throws Exception {
        fixture = new SmtpFixture(dataDir);
        // a small memory limit sends the large message below through a spool file
        server = fixture.serverWith(c -> c.store.spoolMemoryLimit = Size.ofBytes(64 * 1024));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    static Session session() {
        Properties p = new Properties();
        p.put("mail.smtp.host", server.getAddress().getHostAddress());
        p.put("mail.smtp.port", String.valueOf(server.getPort()));
        p.put("mail.smtp.localhost", "jakarta.example");
        p.put("mail.smtp.allow8bitmime", "true"); // send UTF-8 text as 8bit since we offer 8BITMIME
        p.put("mail.smtp.connectiontimeout", "10000");
        p.put("mail.smtp.timeout", "10000");
        return Session.getInstance(p);
    }

    @Test
    void eightBitUtf8MessageArrivesIntactWithTraceHeaders() throws Exception {
        Account alice = fixture.account();
        Account bob = fixture.account();
        String text = "Gr\u00fc\u00dfe aus K\u00f6ln \u2014 \u2713 \u65e5\u672c\u8a9e\r\n.a line that starts with a dot\r\n..and two\r\n";
        MimeMessage m = new MimeMessage(session());
        m.setFrom(new InternetAddress("Sender <sender@remote.example>"));
        m.setRecipients(Message.RecipientType.TO, new Address[] {
                new InternetAddress(alice.address().toString()), new InternetAddress(bob.address().toString())});
        m.setSubject("Gr\u00fc\u00dfe", "UTF-8");
        m.setText(text, "UTF-8");
        Transport.send(m);

        List<MessageEntry> a = fixture.inbox(alice);
        List<MessageEntry> b = fixture.inbox(bob);
        assertThat(a).hasSize(1);
        assertThat(b).hasSize(1);
        assertThat(a.getFirst().blobId()).isEqualTo(b.getFirst().blobId());
        byte[] raw = fixture.bytes(a.getFirst());
        assertThat(a.getFirst().size()).isEqualTo(raw.length);
        String stored = new String(raw, StandardCharsets.UTF_8);
        assertThat(stored).startsWith("Return-Path: <sender@remote.example>\r\nReceived: from jakarta.example (");
        assertThat(stored).contains(" with ESMTP id ").contains("Content-Transfer-Encoding: 8bit");
        // the body is the UTF-8 text as written, dots and all
        assertThat(stored).endsWith("\r\n\r\n" + text);

        // and Jakarta Mail reads the stored message back as the one it sent
        MimeMessage back = new MimeMessage(session(), new java.io.ByteArrayInputStream(raw));
        assertThat(back.getSubject()).isEqualTo("Gr\u00fc\u00dfe");
        assertThat(back.getContent()).isEqualTo(text);
        assertThat(back.getHeader("Received")).hasSize(1);
    }

    @Test
    void largeMessageGoesThroughTheSpoolFileByteForByte() throws Exception {
        Account carol = fixture.account();
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < 3 * 1024 * 1024; i++) body.append("line ").append(i).append(" \u00e9t\u00e9\r\n");
        MimeMessage m = new MimeMessage(session());
        m.setFrom(new InternetAddress("sender@remote.example"));
        m.setRecipient(Message.RecipientType.TO, new InternetAddress(carol.address().toString()));
        m.setSubject("big");
        m.setText(body.toString(), "UTF-8");
        Transport.send(m);

        byte[] raw = fixture.bytes(fixture.inbox(carol).getFirst());
        String stored = new String(raw, StandardCharsets.UTF_8);
        assertThat(stored).endsWith("\r\n\r\n" + body);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
        assertThat(fixture.inbox(carol).getFirst().blobId()).isEqualTo(sha);
    }

    @Test
    void unknownAndForeignRecipientsAreReportedToTheSender() throws Exception {
        Account dave = fixture.account();
        Session s = session();
        s.getProperties().put("mail.smtp.sendpartial", "true"); // deliver to the valid ones, report the rest
        MimeMessage m = new MimeMessage(s);
        m.setFrom(new InternetAddress("sender@remote.example"));
        m.setRecipients(Message.RecipientType.TO, new Address[] {
                new InternetAddress(dave.address().toString()),
                new InternetAddress("nobody@" + SmtpFixture.DOMAIN),
                new InternetAddress("someone@elsewhere.example")});
        m.setSubject("partly");
        m.setText("to the ones that exist\r\n");
        SendFailedException e = catchThrowableOfType(SendFailedException.class, () -> Transport.send(m));
        assertThat(e).isNotNull();
        assertThat(e.getInvalidAddresses()).extracting(Address::toString)
                .containsExactlyInAnyOrder("nobody@" + SmtpFixture.DOMAIN, "someone@elsewhere.example");
        assertThat(e.getValidSentAddresses()).extracting(Address::toString).containsExactly(dave.address().toString());
        assertThat(fixture.only(dave)).contains("to the ones that exist");
    }
}
