package org.twinmail.core.mail;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageSpoolTest {
    @TempDir
    Path dir;

    @Test
    void smallMessagesStayInMemoryLargeOnesSpillToAFileThatCloseRemoves() throws Exception {
        byte[] small = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        MessageSpool s = new MessageSpool(dir, 1024);
        s.write(small, 0, small.length);
        MessageData d = s.finish();
        assertThat(d.bytes()).isEqualTo(small);
        assertThat(d.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(small)));
        try (var files = Files.list(dir)) { assertThat(files).isEmpty(); }

        byte[] big = new byte[5000];
        java.util.Arrays.fill(big, (byte) 'x');
        MessageSpool s2 = new MessageSpool(dir, 1024);
        for (int i = 0; i < big.length; i += 100) s2.write(big, i, 100);
        MessageData d2 = s2.finish();
        assertThat(d2.size()).isEqualTo(5000);
        try (var files = Files.list(dir)) { assertThat(files).hasSize(1); }
        try (var in = d2.open()) { assertThat(in.readAllBytes()).isEqualTo(big); }
        d2.close();
        try (var files = Files.list(dir)) { assertThat(files).isEmpty(); }
    }

    @Test
    void discardRemovesTheSpoolFile() throws Exception {
        MessageSpool s = new MessageSpool(dir, 10);
        s.write(new byte[100], 0, 100);
        try (var files = Files.list(dir)) { assertThat(files).hasSize(1); }
        s.discard();
        try (var files = Files.list(dir)) { assertThat(files).isEmpty(); }
    }
}
