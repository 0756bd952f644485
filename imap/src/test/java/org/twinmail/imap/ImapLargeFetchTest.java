package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;

/**
 * A message above store.spoolMemoryLimit fetched whole (BODY[], partial ranges, RFC822)
 * is copied from its blob as it is read; the bytes must be exactly the stored ones, and the
 * same message still answers BODYSTRUCTURE and BODY[TEXT] through the parser.
 */
class ImapLargeFetchTest {
    @TempDir
    Path dataDir;
    ImapFixture fx;

    @AfterEach
    void tearDown() {
        fx.close();
    }

    /** The FETCH response of one literal item: the line announcing it, its bytes, and the rest of the response. */
    private static byte[] literal(ImapClient c, String announced) throws Exception {
        String head = c.line();
        assertThat(head).startsWith(announced + " {");
        int n = Integer.parseInt(head.substring(head.lastIndexOf('{') + 1, head.length() - 1));
        return c.bytes(n);
    }

    @Test
    void largeBodiesComeWholeAndInRangesFromTheStore() throws Exception {
        fx = new ImapFixture(dataDir);
        ImapServer server = fx.server(l -> { }); // store.spoolMemoryLimit: 1 MiB
        Account a = fx.account();
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < 3_000_000; i++) body.append("line ").append(i).append(" of a large message\r\n");
        String content = ImapFixture.message("large", body.toString());
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        fx.deliver(a, content);
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            assertThat(c.command("a1", "LOGIN " + a.address() + " \"" + ImapFixture.PASSWORD + "\"").getLast()).startsWith("a1 OK");
            assertThat(c.command("a2", "SELECT INBOX").getLast()).startsWith("a2 OK");

            c.sendLine("a3 UID FETCH 1 (RFC822.SIZE BODY.PEEK[])");
            assertThat(literal(c, "* 1 FETCH (UID 1 RFC822.SIZE " + bytes.length + " BODY[]")).isEqualTo(bytes);
            assertThat(c.until("a3")).containsExactly(")", "a3 OK UID FETCH completed");

            c.sendLine("a4 FETCH 1 BODY.PEEK[]<1000000.70000>");
            assertThat(literal(c, "* 1 FETCH (BODY[]<1000000>")).isEqualTo(Arrays.copyOfRange(bytes, 1_000_000, 1_070_000));
            assertThat(c.until("a4")).containsExactly(")", "a4 OK FETCH completed");

            c.sendLine("a5 FETCH 1 BODY.PEEK[]<" + (bytes.length - 10) + ".100>");
            assertThat(literal(c, "* 1 FETCH (BODY[]<" + (bytes.length - 10) + ">")).isEqualTo(Arrays.copyOfRange(bytes, bytes.length - 10, bytes.length));
            assertThat(c.until("a5")).containsExactly(")", "a5 OK FETCH completed");

            assertThat(c.command("a6", "FETCH 1 BODY.PEEK[]<9000000.10>"))
                    .containsExactly("* 1 FETCH (BODY[]<9000000> {0}", ")", "a6 OK FETCH completed");

            // RFC822 is BODY[] without PEEK: the message becomes \Seen and FLAGS follow the literal.
            c.sendLine("a7 FETCH 1 RFC822");
            assertThat(literal(c, "* 1 FETCH (RFC822")).isEqualTo(bytes);
            assertThat(c.until("a7")).containsExactly(" FLAGS (\\Recent \\Seen))", "a7 OK FETCH completed");

            // Parts still go through the parser.
            List<String> structure = c.command("a8", "FETCH 1 (BODYSTRUCTURE)");
            assertThat(structure.getFirst()).startsWith("* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\"");
            assertThat(structure.getLast()).isEqualTo("a8 OK FETCH completed");
        }
    }
}
