package org.twinmail.server;

import java.nio.file.Path;
import java.util.List;
import org.twinmail.core.config.Listen;
import org.twinmail.core.config.TwinmailConfig;

/** A node on loopback with kernel-chosen ports and a cheap Argon2 cost, for tests. */
final class TestConfigs {
    private TestConfigs() {}

    static TwinmailConfig loopback(Path dataDir) {
        TwinmailConfig c = new TwinmailConfig();
        c.hostname = "mx.test.example";
        c.dataDir = dataDir.toString();
        c.smtp.listen = List.of(Listen.parse("127.0.0.1:0"));
        c.pop3.listen = List.of(Listen.parse("127.0.0.1:0"));
        c.pop3.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
        c.imap.listen = List.of(Listen.parse("127.0.0.1:0"));
        c.imap.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
        c.submission.listen = List.of(Listen.parse("127.0.0.1:0"));
        c.submission.tlsListen = List.of(Listen.parse("127.0.0.1:0"));
        c.http.listen = List.of(Listen.parse("127.0.0.1:0"));
        c.managesieve.listen = List.of(Listen.parse("127.0.0.1:0"));
        c.auth.argon2MemoryKiB = 1024;
        c.auth.argon2Iterations = 1;
        return c;
    }

    /** The same, as a YAML file for a server started as its own process. */
    static String loopbackYaml(Path dataDir) {
        return """
                hostname: mx.test.example
                dataDir: %s
                smtp: { listen: ["127.0.0.1:0"] }
                pop3: { listen: ["127.0.0.1:0"], tlsListen: ["127.0.0.1:0"] }
                imap: { listen: ["127.0.0.1:0"], tlsListen: ["127.0.0.1:0"] }
                submission: { listen: ["127.0.0.1:0"], tlsListen: ["127.0.0.1:0"] }
                http: { listen: ["127.0.0.1:0"] }
                managesieve: { listen: ["127.0.0.1:0"] }
                auth: { argon2MemoryKiB: 1024, argon2Iterations: 1 }
                """.formatted(dataDir);
    }
}
