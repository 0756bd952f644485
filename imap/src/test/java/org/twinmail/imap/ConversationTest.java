package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;

/**
 * IMAP conversations derived from the RFCs' examples and rules, one script per file under
 * {@code src/test/resources/conversations}. Script lines:
 * <pre>
 *   # comment
 *   @account NAME [QUOTA [N]]  a new account (quota like "2M", 0 for none; at most N messages);
 *                              ${NAME} is its address, ${PASSWORD} the password
 *   @domain DOMAIN             later accounts of the script are in DOMAIN (added if new), so
 *                              domain-wide grants reach no other script's accounts
 *   @shared NAME               marks NAME's account shared (its mailboxes show under #shared/)
 *   @deliver NAME SUBJECT      delivers a small message to NAME's INBOX, as SMTP would
 *   @connect N [limited]       opens session N (N is one digit); "limited": to a server with imap.messageLimit 3,
 *                              imap.metadataMaxSize 16, imap.metadataMaxEntries 3
 *                              imap.progressInterval 0, imap.notifyMaxMailboxes 2 and imap.notifyMaxPending 3
 *   N&gt; text                    session N sends text + CRLF
 *   N&lt; text                    the next line session N receives is text; "..." matches anything,
 *                              "{{NAME}}" a number, "[[NAME]]" lower-case hex (a URLAUTH token), which later
 *                              lines use as ${NAME}
 *   N&lt;closed                   session N's connection was closed by the server
 * </pre>
 * ${PLAIN:NAME} is the base64 PLAIN response for NAME.
 */
class ConversationTest {
    @TempDir
    static Path dataDir;
    static ImapFixture fx;
    static ImapServer server;
    /** A server with imap.messageLimit 3, for "@connect N limited". */
    static ImapServer limited;

    @BeforeAll
    static void start() throws IOException {
        fx = new ImapFixture(dataDir);
        server = fx.server(l -> {
            l.maxLiteralSize = org.twinmail.core.config.Size.of("1M");
            l.maxErrors = 50;
        });
        limited = fx.server(l -> {
            l.messageLimit = 3;
            l.metadataMaxSize = org.twinmail.core.config.Size.ofBytes(16);
            l.metadataMaxEntries = 3;
            l.progressInterval = java.time.Duration.ZERO;
            l.notifyMaxMailboxes = 2;
            l.notifyMaxPending = 3;
        });
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @TestFactory
    Stream<DynamicTest> conversations() throws IOException {
        List<String> names = List.of("basic", "auth", "mailboxes", "append", "fetch", "store-expunge", "copy-move",
                "search", "multi-session", "idle", "condstore", "bad-input", "extensions", "quota", "qresync", "sort", "list-extended", "utf8", "searchres", "rev2", "thread", "recent", "keywords", "condstore-enabling", "move-self", "sort-rules", "expunge-in-view", "atoms", "lsub-recursive", "binary-body", "unauthenticate", "savedate", "preview", "within", "sort-display", "context-partial", "messagelimit", "replace", "metadata", "uidonly", "catenate", "inprogress",
                "notify", "notify-overflow", "urlauth",
                "acl", "acl-shared");
        return names.stream().map(n -> DynamicTest.dynamicTest(n, () -> run(n)));
    }

    private void run(String name) throws Exception {
        String script;
        try (InputStream in = getClass().getResourceAsStream("/conversations/" + name + ".imap")) {
            assertThat(in).as("script %s", name).isNotNull();
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> vars = new HashMap<>();
        vars.put("PASSWORD", ImapFixture.PASSWORD);
        Map<String, Account> accounts = new HashMap<>();
        Map<Integer, ImapClient> clients = new HashMap<>();
        String domain = ImapFixture.DOMAIN;
        int lineNo = 0;
        try {
            for (String raw : script.split("\n", -1)) {
                lineNo++;
                String line = raw.stripTrailing();
                if (line.isBlank() || line.startsWith("#")) continue;
                String where = name + ".imap:" + lineNo;
                line = substitute(line, vars, accounts);
                if (line.startsWith("@account ")) {
                    String[] p = line.substring(9).strip().split(" ");
                    String n = p[0];
                    Account a = fx.account(p.length > 1 ? org.twinmail.core.config.Size.of(p[1]).bytes() : 0, domain);
                    if (p.length > 2) {
                        a = fx.store.updateAccount(a.address(), new org.twinmail.store.AccountChange(null, null, null, Long.parseLong(p[2])));
                    }
                    accounts.put(n, a);
                    vars.put(n, a.address().toString());
                } else if (line.startsWith("@domain ")) {
                    domain = line.substring(8).strip();
                } else if (line.startsWith("@shared ")) {
                    fx.store.setSharedAccount(accounts.get(line.substring(8).strip()).id(), true);
                } else if (line.startsWith("@deliver ")) {
                    String[] p = line.substring(9).strip().split(" ", 2);
                    fx.deliver(accounts.get(p[0]), ImapFixture.message(p[1], "Hello " + p[1] + "\r\n"));
                } else if (line.startsWith("@connect ")) {
                    String[] p = line.substring(9).strip().split(" ");
                    int n = Integer.parseInt(p[0]);
                    clients.put(n, new ImapClient(ImapFixture.address(p.length > 1 && p[1].equals("limited") ? limited : server)));
                } else if (line.length() > 1 && Character.isDigit(line.charAt(0)) && line.charAt(1) == '>') {
                    clients.get(line.charAt(0) - '0').sendLine(line.length() > 3 ? line.substring(3) : "");
                } else if (line.length() > 1 && Character.isDigit(line.charAt(0)) && line.charAt(1) == '<') {
                    ImapClient c = clients.get(line.charAt(0) - '0');
                    if (line.substring(2).equals("closed")) {
                        assertThat(c.closedByServer()).as(where + ": connection closed").isTrue();
                        continue;
                    }
                    String expected = line.length() > 3 ? line.substring(3) : "";
                    String got = c.line();
                    assertThat(got).as(where).isNotNull();
                    Map<String, String> captured = match(expected, got);
                    assertThat(captured).as(where + "\n expected: " + expected + "\n      got: " + got).isNotNull();
                    vars.putAll(captured);
                } else {
                    throw new IllegalArgumentException(where + ": bad script line " + line);
                }
            }
        } finally {
            for (ImapClient c : clients.values()) c.close();
        }
    }

    private static String substitute(String line, Map<String, String> vars, Map<String, Account> accounts) {
        Matcher m = Pattern.compile("\\$\\{(PLAIN:)?([A-Za-z0-9_]+)}").matcher(line);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String value;
            if (m.group(1) != null) {
                String user = accounts.get(m.group(2)).address().toString();
                value = Base64.getEncoder().encodeToString(("\0" + user + "\0" + ImapFixture.PASSWORD).getBytes(StandardCharsets.UTF_8));
            } else {
                value = vars.get(m.group(2));
            }
            m.appendReplacement(b, Matcher.quoteReplacement(value));
        }
        m.appendTail(b);
        return b.toString();
    }

    /**
     * Matches a received line against an expected one: "..." matches anything, "{{NAME}}"
     * matches a number and remembers it as ${NAME} for later lines. Null if it does not match.
     */
    static Map<String, String> match(String expected, String got) {
        Matcher tokens = Pattern.compile("\\.\\.\\.|\\{\\{([A-Za-z0-9_]+)}}|\\[\\[([A-Za-z0-9_]+)]]").matcher(expected);
        StringBuilder re = new StringBuilder();
        List<String> names = new ArrayList<>();
        int last = 0;
        while (tokens.find()) {
            re.append(Pattern.quote(expected.substring(last, tokens.start())));
            if (tokens.group(1) != null) {
                re.append("(\\d+)");
                names.add(tokens.group(1));
            } else if (tokens.group(2) != null) {
                re.append("([0-9a-f]+)");
                names.add(tokens.group(2));
            } else {
                re.append(".*");
            }
            last = tokens.end();
        }
        re.append(Pattern.quote(expected.substring(last)));
        Matcher m = Pattern.compile(re.toString(), Pattern.DOTALL).matcher(got);
        if (!m.matches()) return null;
        Map<String, String> captured = new HashMap<>();
        for (int i = 0; i < names.size(); i++) captured.put(names.get(i), m.group(i + 1));
        return captured;
    }
}
