package org.twinmail.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code twinmail admin dkim generate|show}, on a stopped node and through a running one. */
class AdminDkimCliTest {
    @TempDir
    Path data;

    private CliRunner.Result admin(String... args) {
        String[] full = new String[args.length + 3];
        full[0] = "admin";
        full[1] = "--data";
        full[2] = data.toString();
        System.arraycopy(args, 0, full, 3, args.length);
        return CliRunner.run(full);
    }

    /** The zone-file fragment printed: ";" comments and the record (the in-process server's log shares stdout in tests). */
    private static String zone(String out) {
        return String.join("\n", out.lines().filter(l -> l.startsWith(";") || l.contains("._domainkey.")).toList());
    }

    private static String recordLine(String out) {
        return zone(out).lines().filter(l -> !l.startsWith(";")).findFirst().orElseThrow();
    }

    @Test
    void generatesOncePrintsTheRecordAndRefusesUnknownDomains() throws Exception {
        assertThat(admin("domain", "add", "example.com").exit()).isZero();
        CliRunner.Result g = admin("dkim", "generate", "Example.com", "--bits", "1024");
        assertThat(g.exit()).as(g.err()).isZero();
        Path key = data.resolve("dkim/example.com.twinmail.pem");
        assertThat(zone(g.out())).startsWith("; example.com: generated 1024-bit RSA key, selector twinmail, in " + key.toAbsolutePath());
        String record = recordLine(g.out());
        assertThat(record).startsWith("twinmail._domainkey.example.com. IN TXT \"v=DKIM1; k=rsa; p=MIGfMA0").endsWith("\"");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");

        CliRunner.Result show = admin("dkim", "show", "example.com");
        assertThat(show.exit()).as(show.err()).isZero();
        assertThat(recordLine(show.out())).isEqualTo(record);

        assertThat(admin("dkim", "generate", "example.com")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(4);
            assertThat(r.err()).startsWith("twinmail: domain example.com already has a DKIM key for selector twinmail").hasLineCount(1);
        });
        assertThat(Files.readString(key)).isNotEmpty();
        assertThat(recordLine(admin("dkim", "show", "example.com").out())).isEqualTo(record); // the key was not replaced

        CliRunner.Result next = admin("dkim", "generate", "example.com", "--selector", "2027a", "--bits", "1024");
        assertThat(next.exit()).as(next.err()).isZero();
        assertThat(zone(next.out())).contains("; not signing with it yet: publish the record, then set selector 2027a for example.com in relay.dkim.domains");
        assertThat(recordLine(next.out())).startsWith("2027a._domainkey.example.com. IN TXT ");

        assertThat(admin("dkim", "generate", "nowhere.example")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(3);
            assertThat(r.err()).isEqualTo("twinmail: domain nowhere.example does not exist\n");
        });
        assertThat(admin("dkim", "show", "nowhere.example").exit()).isEqualTo(3);
        assertThat(admin("dkim", "generate", "example.com", "--selector", "s2", "--bits", "512").exit()).isEqualTo(2);
        assertThat(admin("dkim", "generate", "example.com", "--selector", "a/b").exit()).isEqualTo(2);
        assertThat(admin("domain", "add", "other.example").exit()).isZero();
        assertThat(admin("dkim", "show", "other.example")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(3);
            assertThat(r.err()).contains("has no DKIM key").contains("twinmail admin dkim generate other.example");
        });
    }

    @Test
    void aBadSelectorOrDnsServerInTheConfigurationIsRefusedBeforeAnythingStarts() throws Exception {
        Path config = data.resolve("bad.yaml");
        Files.writeString(config, TestConfigs.loopbackYaml(data) + "relay: { dkim: { selector: \"a b\" } }\n");
        CliRunner.Result serve = CliRunner.run("serve", "--config", config.toString());
        assertThat(serve.exit()).isEqualTo(2);
        assertThat(serve.err()).isEqualTo("twinmail: relay.dkim.selector: not a DKIM selector (DNS labels): a b\n");
        assertThat(admin("--config", config.toString(), "dkim", "show", "example.com").exit()).isEqualTo(2);

        Files.writeString(config, TestConfigs.loopbackYaml(data) + "relay: { dns: { servers: [\"127.0.0.1:99999\"] } }\n");
        serve = CliRunner.run("serve", "--config", config.toString());
        assertThat(serve.exit()).isEqualTo(2);
        assertThat(serve.err()).isEqualTo("twinmail: relay.dns.servers: bad port in 127.0.0.1:99999\n");
    }

    @Test
    void theRunningServerGeneratesIntoItsDataDirectory() throws Exception {
        try (TwinmailServer server = TwinmailServer.start(TestConfigs.loopback(data))) {
            assertThat(admin("domain", "add", "live.example").exit()).isZero();
            CliRunner.Result g = admin("dkim", "generate", "live.example", "--bits", "1024");
            assertThat(g.exit()).as(g.err()).isZero();
            assertThat(data.resolve("dkim/live.example.twinmail.pem")).exists();
            assertThat(recordLine(admin("dkim", "show", "live.example").out())).isEqualTo(recordLine(g.out()));
            assertThat(admin("dkim", "generate", "live.example").exit()).isEqualTo(4);
        }
    }
}
