package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;

/** Python's imaplib (Debian package python3), an independent client implementation, against the server. */
class PythonImaplibTest {
    @TempDir
    Path dataDir;

    @Test
    void imaplibWorks() throws Exception {
        try (ImapFixture fx = new ImapFixture(dataDir)) {
            ImapServer server = fx.server(l -> { });
            Account a = fx.account();
            Process p = new ProcessBuilder("python3", "src/test/python/imaplib_client.py",
                    String.valueOf(ImapFixture.address(server).getPort()), a.address().toString(), ImapFixture.PASSWORD)
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("ok: login", "ok: append", "ok: fetch", "ok: search", "ok: store", "ok: copy and expunge",
                    "ok: status", "ok: rename and delete", "ok: logout");
        }
    }
}
