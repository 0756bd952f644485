package org.twinmail.relay.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The SMTP client against a scripted server that holds its replies back: with PIPELINING the
 * client must have sent MAIL, every RCPT and DATA before it reads a reply (otherwise the
 * script, which reads all four lines first, and the client would wait for each other until the
 * client's timeout).
 */
class SmtpConnectionTest {
    static final Duration T = Duration.ofSeconds(5);
    static final ClientSettings SETTINGS = new ClientSettings("client.test", T, T, T, T, T, T, T, T);

    final ServerSocket server = newServer();
    final List<String> seen = new ArrayList<>();

    static ServerSocket newServer() {
        try {
            return new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void close() throws Exception {
        server.close();
    }

    interface Script {
        void run(BufferedReader in, OutputStream out) throws Exception;
    }

    CompletableFuture<Void> serve(Script script) {
        return CompletableFuture.runAsync(() -> {
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                script.run(in, s.getOutputStream());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static void say(OutputStream out, String text) throws Exception {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    String line(BufferedReader in) throws Exception {
        String l = in.readLine();
        seen.add(l);
        return l;
    }

    InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    @Test
    void pipelinesTheEnvelopeAndDotStuffsTheContent() throws Exception {
        StringBuilder data = new StringBuilder();
        CompletableFuture<Void> done = serve((in, out) -> {
            say(out, "220 fake ESMTP\r\n");
            assertThat(line(in)).isEqualTo("EHLO client.test");
            say(out, "250-fake\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 100000\r\n");
            for (int i = 0; i < 4; i++) line(in); // MAIL, RCPT, RCPT, DATA before any reply
            say(out, "250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such user\r\n354 go ahead\r\n");
            String l;
            while (!(l = in.readLine()).equals(".")) data.append(l).append('\n');
            say(out, "250 2.0.0 queued as 17\r\n");
            assertThat(line(in)).isEqualTo("QUIT");
            say(out, "221 bye\r\n");
        });
        SmtpConnection c = SmtpConnection.open(address(), "fake.test", SETTINGS, null);
        assertThat(c.supports("PIPELINING")).isTrue();
        assertThat(c.sizeLimit()).isEqualTo(100000);
        byte[] content = "Subject: dots\r\n\r\n.one\r\n..two\r\nlast line without CRLF".getBytes(StandardCharsets.US_ASCII);
        List<SmtpReply> replies = c.send(new SmtpConnection.Envelope("a@b.example", List.of("ok@c.example", "no@c.example"),
                content.length, true, false), () -> new ByteArrayInputStream(content));
        c.quit();
        done.get(10, TimeUnit.SECONDS);
        assertThat(seen.subList(1, 5)).containsExactly("MAIL FROM:<a@b.example> SIZE=" + content.length + " BODY=8BITMIME",
                "RCPT TO:<ok@c.example>", "RCPT TO:<no@c.example>", "DATA");
        assertThat(replies).extracting(SmtpReply::code).containsExactly(250, 550);
        assertThat(replies.get(0).enhanced()).isEqualTo("2.0.0");
        assertThat(replies.get(1).toString()).isEqualTo("550 5.1.1 no such user");
        assertThat(data.toString()).isEqualTo("Subject: dots\n\n..one\n...two\nlast line without CRLF\n");
    }

    @Test
    void fallsBackToHeloAndReportsARefusedGreeting() throws Exception {
        CompletableFuture<Void> done = serve((in, out) -> {
            say(out, "220 old\r\n");
            line(in);
            say(out, "502 5.5.1 what is EHLO\r\n");
            assertThat(line(in)).isEqualTo("HELO client.test");
            say(out, "250 old\r\n");
            assertThat(line(in)).isEqualTo("MAIL FROM:<a@b.example>"); // no ESMTP parameters after HELO
            say(out, "451 4.3.0 try later\r\n");
            assertThat(line(in)).isEqualTo("RSET");
            say(out, "250 ok\r\n");
        });
        SmtpConnection c = SmtpConnection.open(address(), "old.test", SETTINGS, null);
        List<SmtpReply> r = c.send(new SmtpConnection.Envelope("a@b.example", List.of("x@c.example"), 10, true, false),
                () -> new ByteArrayInputStream(new byte[10]));
        assertThat(r).singleElement().satisfies(x -> assertThat(x.status("0.0")).isEqualTo("4.3.0"));
        c.close();
        done.get(10, TimeUnit.SECONDS);

        CompletableFuture<Void> refused = serve((in, out) -> {
            say(out, "554 5.7.1 go away\r\n");
            line(in);
            say(out, "221 bye\r\n");
        });
        assertThatThrownBy(() -> SmtpConnection.open(address(), "rude.test", SETTINGS, null))
                .isInstanceOfSatisfying(SmtpClientException.class, e -> {
                    assertThat(e.permanent()).isTrue();
                    assertThat(e.status()).isEqualTo("5.7.1");
                });
        refused.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSilentServerTimesOutAsATemporaryFailure() throws Exception {
        ClientSettings quick = new ClientSettings("client.test", T, Duration.ofMillis(300), T, T, T, T, T, T);
        CompletableFuture<Void> done = serve((in, out) -> in.readLine());
        assertThatThrownBy(() -> SmtpConnection.open(address(), "silent.test", quick, null))
                .isInstanceOfSatisfying(SmtpClientException.class, e -> {
                    assertThat(e.permanent()).isFalse();
                    assertThat(e.getMessage()).contains("timeout");
                });
        done.get(10, TimeUnit.SECONDS);
    }
}
