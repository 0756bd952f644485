package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.model.Account;

/**
 * COMPRESS=DEFLATE (RFC 4978) spoken with java.util.zip as the client: raw DEFLATE
 * (nowrap) both ways with a sync flush after each command, on a plain connection and
 * after STARTTLS, [COMPRESSIONACTIVE] on a second COMPRESS, and the wire carrying less
 * than the text it stands for.
 */
class ImapCompressTest {
    @TempDir
    Path dataDir;
    ImapFixture fx;

    @AfterEach
    void tearDown() {
        fx.close();
    }

    /** Counts the bytes that came over the socket. */
    static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }
    }

    /** One direction pair of a client connection; {@link #compress} switches both to DEFLATE. */
    static final class Wire implements AutoCloseable {
        final Socket socket;
        Counting counted;
        InputStream in;
        OutputStream out;

        Wire(Socket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout(10_000);
            counted = new Counting(socket.getInputStream());
            // Unbuffered until COMPRESS, so nothing the server sends after its OK is read as plaintext.
            in = counted;
            out = socket.getOutputStream();
        }

        void compress() {
            in = new InflaterInputStream(counted, new Inflater(true));
            out = new DeflaterOutputStream(out, new Deflater(Deflater.DEFAULT_COMPRESSION, true), true);
        }

        void send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush(); // with syncFlush: a SYNC_FLUSH, so the server can read the whole command
        }

        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1 && c != '\n') b.write(c);
            String s = b.toString(StandardCharsets.UTF_8);
            return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }

        List<String> command(String tag, String command) throws IOException {
            send(tag + " " + command + "\r\n");
            List<String> lines = new ArrayList<>();
            while (true) {
                String l = line();
                lines.add(l);
                if (l.startsWith(tag + " ")) return lines;
                if (l.isEmpty() && lines.size() > 1000) throw new IOException("no tagged reply: " + lines);
            }
        }

        byte[] bytes(int n) throws IOException {
            return in.readNBytes(n);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static String message(int lines) {
        StringBuilder b = new StringBuilder("From: a@example.org\r\nSubject: compressible\r\n\r\n");
        for (int i = 0; i < lines; i++) b.append("Line ").append(i % 10).append(" of a long and repetitive message body.\r\n");
        return b.toString();
    }

    /** Logged in and compressed: APPEND, FETCH of the same text, a second COMPRESS, LOGOUT. */
    private void exercise(Wire w, Account a) throws IOException {
        assertThat(w.command("a1", "LOGIN " + a.address() + " \"" + ImapFixture.PASSWORD + "\"").getLast()).startsWith("a1 OK");
        assertThat(w.command("a2", "COMPRESS DEFLATE")).containsExactly("a2 OK DEFLATE active");
        w.compress();
        String body = message(2000); // about 100 KB
        w.send("a3 APPEND INBOX {" + body.length() + "+}\r\n" + body + "\r\n");
        String appended;
        do appended = w.line(); while (!appended.startsWith("a3 "));
        assertThat(appended).startsWith("a3 OK [APPENDUID");
        assertThat(w.command("a4", "SELECT INBOX").getLast()).isEqualTo("a4 OK [READ-WRITE] SELECT completed");
        long before = w.counted.count;
        w.send("a5 FETCH 1 BODY.PEEK[]\r\n");
        String head = w.line();
        assertThat(head).isEqualTo("* 1 FETCH (BODY[] {" + body.length() + "}");
        assertThat(new String(w.bytes(body.length()), StandardCharsets.UTF_8)).isEqualTo(body);
        assertThat(w.line()).isEqualTo(")");
        assertThat(w.line()).isEqualTo("a5 OK FETCH completed");
        assertThat(w.counted.count - before).as("compressed bytes on the wire for a %d-byte body", body.length())
                .isLessThan(body.length() / 10);
        assertThat(w.command("a6", "COMPRESS DEFLATE")).containsExactly("a6 NO [COMPRESSIONACTIVE] DEFLATE is already active");
        assertThat(w.command("a7", "NOOP")).containsExactly("a7 OK NOOP completed");
        List<String> bye = w.command("a8", "LOGOUT");
        assertThat(bye.getFirst()).startsWith("* BYE");
        assertThat(bye.getLast()).startsWith("a8 OK");
    }

    @Test
    void deflateBothWaysOnAPlainConnection() throws Exception {
        fx = new ImapFixture(dataDir);
        ImapServer server = fx.server(l -> { });
        Account a = fx.account();
        InetSocketAddress address = ImapFixture.address(server);
        try (Wire w = new Wire(new Socket(address.getAddress(), address.getPort()))) {
            String greeting = w.line();
            assertThat(greeting).contains("COMPRESS=DEFLATE");
            assertThat(w.command("a0", "COMPRESS DEFLATE")).containsExactly("a0 BAD COMPRESS is not allowed before login");
            exercise(w, a);
        }
    }

    @Test
    void unknownMechanismIsRefusedAndNothingChanges() throws Exception {
        fx = new ImapFixture(dataDir);
        ImapServer server = fx.server(l -> { });
        Account a = fx.account();
        InetSocketAddress address = ImapFixture.address(server);
        try (Wire w = new Wire(new Socket(address.getAddress(), address.getPort()))) {
            w.line();
            assertThat(w.command("a1", "LOGIN " + a.address() + " \"" + ImapFixture.PASSWORD + "\"").getLast()).startsWith("a1 OK");
            assertThat(w.command("a2", "COMPRESS LZMA")).containsExactly("a2 BAD unknown compression mechanism LZMA");
            assertThat(w.command("a3", "COMPRESS")).hasSize(1).first().asString().startsWith("a3 BAD");
            assertThat(w.command("a4", "NOOP")).containsExactly("a4 OK NOOP completed"); // still uncompressed
        }
    }

    @Test
    void compressionAfterStartTlsRunsInsideTls() throws Exception {
        fx = new ImapFixture(dataDir.resolve("store"));
        ImapServer server = fx.tlsServer(dataDir, c -> c.auth.plaintextAuth = TwinmailConfig.PlaintextAuth.NEVER);
        Account a = fx.account();
        InetSocketAddress address = ImapFixture.address(server);
        try (Wire plain = new Wire(new Socket(address.getAddress(), address.getPort()))) {
            plain.line();
            assertThat(plain.command("s1", "STARTTLS")).containsExactly("s1 OK Begin TLS negotiation now");
            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) { }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) { } // the test's self-signed certificate

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            SSLSocket tls = (SSLSocket) trustAll.getSocketFactory().createSocket(plain.socket, address.getHostString(), address.getPort(), true);
            tls.startHandshake();
            try (Wire w = new Wire(tls)) {
                exercise(w, a);
            }
        }
    }
}
