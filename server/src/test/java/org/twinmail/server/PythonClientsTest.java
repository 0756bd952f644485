package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Python's smtplib and poplib, an independent client implementation, against a running node. */
class PythonClientsTest {
    @TempDir
    Path data;

    @Test
    void smtplibAndPoplibWork() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            String d = data.toString();
            assertThat(CliRunner.run("admin", "--data", d, "domain", "add", "py.example").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", d, "user", "add", "ann@py.example", "--password", "password-ann").exit()).isZero();
            assertThat(CliRunner.run("admin", "--data", d, "user", "add", "ben@py.example", "--password", "password-ann").exit()).isZero();
            Process p = new ProcessBuilder("python3", "src/test/python/smtp_pop3_clients.py",
                    String.valueOf(server.smtpAddresses().getFirst().getPort()),
                    String.valueOf(server.pop3Addresses().getFirst().getPort()),
                    "ann@py.example", "password-ann", "ben@py.example")
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("ok: smtplib sent", "ok: unknown user 550", "ok: poplib retrieved",
                    "ok: deletion kept", "ok: second recipient");
        }
    }
}
