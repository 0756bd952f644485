package org.twinmail.filter.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scanners' addresses and answers as clamd and spamd write them, and a scanner that never answers. */
class ScannerAnswersTest {

    @Test
    void addressesAreUnixPathsOrHostAndPort() {
        assertThat(ScannerConnection.parse("k", "unix:/run/clamav/clamd.ctl")).isEqualTo(UnixDomainSocketAddress.of("/run/clamav/clamd.ctl"));
        assertThat(ScannerConnection.parse("k", "/run/spamd.sock")).isEqualTo(UnixDomainSocketAddress.of("/run/spamd.sock"));
        assertThat(ScannerConnection.parse("k", "127.0.0.1:3310")).isEqualTo(InetSocketAddress.createUnresolved("127.0.0.1", 3310));
        assertThat(ScannerConnection.parse("k", "[::1]:783")).isEqualTo(InetSocketAddress.createUnresolved("::1", 783));
        assertThatThrownBy(() -> ScannerConnection.parse("filter.clamav.address", "clamd")).hasMessageContaining("filter.clamav.address");
        assertThatThrownBy(() -> ScannerConnection.parse("k", "host:99999")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clamdAnswers() {
        assertThat(ClamdClient.parse("stream: OK\0")).isEqualTo(new ClamdClient.Result.Clean());
        assertThat(ClamdClient.parse("stream: Win.Test.EICAR_HDB-1 FOUND\0")).isEqualTo(new ClamdClient.Result.Infected("Win.Test.EICAR_HDB-1"));
        assertThat(ClamdClient.parse("INSTREAM size limit exceeded. ERROR\0")).isEqualTo(
                new ClamdClient.Result.Failed("INSTREAM size limit exceeded. ERROR", true));
        assertThat(ClamdClient.parse("")).isInstanceOf(ClamdClient.Result.Failed.class);
        assertThat(ClamdClient.parse("stream: something odd")).isInstanceOf(ClamdClient.Result.Failed.class);
    }

    @Test
    void spamdAnswers() {
        assertThat(SpamdClient.parse("SPAMD/1.1 0 EX_OK\r\nContent-length: 19\r\nSpam: True ; 1004.3 / 5.0\r\n\r\nGTUBE,MISSING_DATE"))
                .isEqualTo(new SpamClient.Result.Scored(1004.3, java.util.List.of("GTUBE", "MISSING_DATE")));
        assertThat(SpamdClient.parse("SPAMD/1.1 0 EX_OK\r\nSpam: False ; -0.5 / 5.0\r\n\r\n"))
                .isEqualTo(new SpamClient.Result.Scored(-0.5, java.util.List.of()));
        assertThat(SpamdClient.parse("SPAMD/1.0 76 Bad header line: x\r\n\r\n")).isInstanceOf(SpamClient.Result.Failed.class);
        assertThat(SpamdClient.parse("SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n\r\n")).isInstanceOf(SpamClient.Result.Failed.class);
        assertThat(SpamdClient.parse("SPAMD/1.1 0 EX_OK")).isInstanceOf(SpamClient.Result.Failed.class);
    }

    @Test
    void rspamdAnswers() {
        assertThat(RspamdClient.parse("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
                + "{\"score\":15.0,\"required_score\":15.0,\"action\":\"reject\",\"symbols\":{\"GTUBE\":{\"name\":\"GTUBE\",\"score\":0.0}}}"))
                .isEqualTo(new SpamClient.Result.Scored(15.0, java.util.List.of("GTUBE")));
        assertThat(RspamdClient.parse("HTTP/1.1 500 Internal Server Error\r\n\r\n{}")).isInstanceOf(SpamClient.Result.Failed.class);
        assertThat(RspamdClient.parse("HTTP/1.1 200 OK\r\n\r\nnot json")).isInstanceOf(SpamClient.Result.Failed.class);
        assertThat(RspamdClient.parse("HTTP/1.1 200 OK\r\n\r\n{\"action\":\"no action\"}")).isInstanceOf(SpamClient.Result.Failed.class);
    }

    @Test
    void aScannerThatAcceptsButNeverAnswersFailsWithinTheTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = Thread.ofVirtual().start(() -> {
                try (Socket s = silent.accept()) {
                    s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                    Thread.sleep(10_000);
                } catch (Exception ignored) {
                    // the client gave up
                }
            });
            ClamdClient client = new ClamdClient(new InetSocketAddress("127.0.0.1", silent.getLocalPort()), Duration.ofSeconds(2), Duration.ofMillis(300));
            long start = System.nanoTime();
            ClamdClient.Result r = client.scan(new ByteArrayInputStream("Subject: x\r\n\r\nbody\r\n".getBytes()));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(r).isInstanceOf(ClamdClient.Result.Failed.class);
            assertThat(((ClamdClient.Result.Failed) r).why()).contains("timed out");
            assertThat(ms).isBetween(250L, 5_000L);
            t.interrupt();
        }
    }

    @Test
    void nothingListeningIsAFailureNotAnException(@TempDir Path dir) {
        SpamdClient client = new SpamdClient(UnixDomainSocketAddress.of(dir.resolve("gone.sock")), Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThat(client.check(null, null, new ByteArrayInputStream(new byte[3]), 3)).isInstanceOf(SpamClient.Result.Failed.class);
    }
}
