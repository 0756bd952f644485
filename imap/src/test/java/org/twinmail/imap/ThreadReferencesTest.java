package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;

/**
 * THREAD=REFERENCES over a mailbox of tangled references (missing parents, duplicated and
 * missing Message-IDs, loops, replies without references, shared subjects): every message
 * appears exactly once, the parentheses balance, and the answer is the same twice.
 * The rules themselves are checked against worked cases in {@code thread.imap}.
 */
class ThreadReferencesTest {
    @TempDir
    Path dataDir;
    ImapFixture fx;

    @AfterEach
    void tearDown() {
        fx.close();
    }

    @Test
    void tangledReferencesGiveEveryMessageOncePlace() throws Exception {
        fx = new ImapFixture(dataDir);
        ImapServer server = fx.server(l -> { });
        Account a = fx.account();
        Random random = new Random(5256);
        int count = 300;
        String[] subjects = {"Plan", "Re: Plan", "Fwd: Plan", "Lunch", "Re: Lunch", "[list] Re: Lunch", "", "Re:", "Trip (fwd)"};
        for (int i = 1; i <= count; i++) {
            StringBuilder m = new StringBuilder();
            m.append("Subject: ").append(subjects[random.nextInt(subjects.length)]).append("\r\n");
            int id = random.nextInt(count + 40); // some IDs repeat, some are never a message's
            if (random.nextInt(10) > 0) m.append("Message-ID: <m").append(id).append("@x>\r\n");
            if (random.nextBoolean()) {
                m.append("References:");
                for (int r = random.nextInt(5); r >= 0; r--) m.append(" <m").append(random.nextInt(count + 40)).append("@x>");
                m.append("\r\n");
            } else if (random.nextBoolean()) {
                m.append("In-Reply-To: <m").append(random.nextInt(count + 40)).append("@x>\r\n");
            }
            if (random.nextInt(8) > 0) m.append("Date: ").append(1 + random.nextInt(28)).append(" Feb 2024 ").append(random.nextInt(24)).append(":00 +0000\r\n");
            m.append("\r\nbody ").append(i).append("\r\n");
            fx.deliver(a, m.toString());
        }
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            assertThat(c.command("a1", "LOGIN " + a.address() + " \"" + ImapFixture.PASSWORD + "\"").getLast()).startsWith("a1 OK");
            assertThat(c.command("a2", "EXAMINE INBOX").getLast()).startsWith("a2 OK");
            List<String> first = c.command("a3", "THREAD REFERENCES UTF-8 ALL");
            assertThat(first).hasSize(2);
            assertThat(first.getLast()).isEqualTo("a3 OK THREAD completed");
            String threads = first.getFirst();
            assertThat(threads).startsWith("* THREAD (");
            int depth = 0;
            for (char ch : threads.substring(9).toCharArray()) {
                if (ch == '(') depth++;
                if (ch == ')') depth--;
                assertThat(depth).isNotNegative();
            }
            assertThat(depth).isZero();
            List<Integer> seen = new ArrayList<>();
            Matcher n = Pattern.compile("\\d+").matcher(threads.substring(9));
            while (n.find()) seen.add(Integer.parseInt(n.group()));
            assertThat(seen).hasSize(count).doesNotHaveDuplicates().allMatch(x -> x >= 1 && x <= count);
            assertThat(c.command("a4", "THREAD REFERENCES UTF-8 ALL")).isEqualTo(List.of(threads, "a4 OK THREAD completed"));
            List<String> uid = c.command("a5", "UID THREAD REFERENCES UTF-8 ALL");
            assertThat(uid.getLast()).isEqualTo("a5 OK UID THREAD completed");
        }
    }
}
