package org.twinmail.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.twinmail.core.model.Account;
import org.twinmail.core.model.MessageEntry;

/**
 * A concurrent model check: several clients on one mailbox APPEND, STORE, EXPUNGE, FETCH and
 * SEARCH at random for a bounded time. Each keeps its own model of the mailbox built only
 * from the untagged responses it receives and checks every response against it: EXPUNGE
 * and sequence numbers within the known count, never EXPUNGE during a FETCH/STORE/SEARCH by
 * sequence number (RFC 9051 7.5.1), EXISTS never shrinking the count, a UID never changing
 * at a sequence number and ascending with it, no keyword in FETCH FLAGS before the FLAGS
 * response listed it (RFC 9051 7.3.5), every command answered OK. At the end every model
 * must agree with the others and with the store.
 */
class ImapModelCheckTest {
    @TempDir
    Path dataDir;
    ImapFixture fx;

    @AfterEach
    void stop() {
        fx.close();
    }

    /** One client's view of the mailbox, as its untagged responses told it. */
    static final class Model {
        final List<Long> uids = new ArrayList<>();          // null: not learnt yet
        final List<Set<String>> flags = new ArrayList<>();  // null: not learnt yet
        final Set<String> announced = new HashSet<>();
        final List<String> errors = new ArrayList<>();
        private static final Pattern FETCH = Pattern.compile("^\\* (\\d+) FETCH \\((.*)\\)$");
        private static final Pattern UID = Pattern.compile("UID (\\d+)");
        private static final Pattern FLAGS = Pattern.compile("FLAGS \\(([^)]*)\\)");

        void apply(String line, boolean bySequence) {
            if (line.startsWith("* FLAGS (")) {
                announced.clear();
                for (String f : line.substring(9, line.length() - 1).split(" ")) if (!f.isEmpty()) announced.add(f);
                return;
            }
            Matcher m = FETCH.matcher(line);
            if (m.matches()) {
                int msn = Integer.parseInt(m.group(1));
                if (msn < 1 || msn > uids.size()) {
                    errors.add("FETCH for message " + msn + " of " + uids.size() + ": " + line);
                    return;
                }
                Matcher u = UID.matcher(m.group(2));
                if (u.find()) learnUid(msn, Long.parseLong(u.group(1)), line);
                Matcher f = FLAGS.matcher(m.group(2));
                if (f.find()) {
                    Set<String> set = new TreeSet<>();
                    for (String x : f.group(1).split(" ")) {
                        if (x.isEmpty() || x.equals("\\Recent")) continue;
                        if (!x.startsWith("\\") && !announced.contains(x)) errors.add("keyword " + x + " before FLAGS listed it: " + line);
                        set.add(x);
                    }
                    flags.set(msn - 1, set);
                }
                return;
            }
            String[] p = line.split(" ");
            if (p.length >= 3 && p[2].equals("EXPUNGE")) {
                int n = Integer.parseInt(p[1]);
                if (bySequence) errors.add("EXPUNGE during a command by sequence number: " + line);
                if (n < 1 || n > uids.size()) {
                    errors.add("EXPUNGE " + n + " of " + uids.size());
                    return;
                }
                uids.remove(n - 1);
                flags.remove(n - 1);
            } else if (p.length >= 3 && p[2].equals("EXISTS")) {
                int n = Integer.parseInt(p[1]);
                if (n < uids.size()) errors.add("EXISTS " + n + " below the known " + uids.size());
                while (uids.size() < n) {
                    uids.add(null);
                    flags.add(null);
                }
            } else if (line.startsWith("* SEARCH")) {
                for (int i = 2; i < p.length; i++) {
                    if (!bySequence) continue; // UID SEARCH: UIDs
                    int n = Integer.parseInt(p[i]);
                    if (n < 1 || n > uids.size()) errors.add("SEARCH found " + n + " of " + uids.size());
                }
            }
        }

        private void learnUid(int msn, long uid, String line) {
            Long known = uids.get(msn - 1);
            if (known != null && known != uid) {
                errors.add("message " + msn + " was UID " + known + ", now " + uid + ": " + line);
                return;
            }
            for (int i = 0; i < uids.size(); i++) {
                Long other = uids.get(i);
                if (other == null || i == msn - 1) continue;
                if ((i < msn - 1 && other >= uid) || (i > msn - 1 && other <= uid)) {
                    errors.add("UID " + uid + " at " + msn + " out of order with " + other + " at " + (i + 1));
                }
            }
            uids.set(msn - 1, uid);
        }
    }

    /** One client running random commands until the deadline; returns its model. */
    private Model run(ImapServer server, Account account, int id, long deadline, java.util.concurrent.CyclicBarrier quiet) throws Exception {
        Model model = new Model();
        Random random = new Random(id * 7919L);
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            expectOk(c.command("l", "LOGIN " + account.address() + " \"" + ImapFixture.PASSWORD + "\""), model);
            int tag = 0;
            run(c, model, "s", "SELECT INBOX", false);
            while (System.nanoTime() < deadline && model.errors.isEmpty()) {
                String t = "c" + id + "." + (tag++);
                int size = model.uids.size();
                int op = random.nextInt(10);
                if (op < 2) {
                    String msg = "Subject: m" + id + "-" + tag + "\r\n\r\nbody\r\n";
                    String kw = random.nextBoolean() ? "($k" + random.nextInt(6) + ")" : "()";
                    c.send(t + " APPEND INBOX " + kw + " {" + msg.getBytes(StandardCharsets.US_ASCII).length + "+}\r\n" + msg + "\r\n");
                    for (String l : c.until(t)) apply(model, l, t, false);
                } else if (op < 5 && size > 0) {
                    int msn = 1 + random.nextInt(size);
                    String flag = switch (random.nextInt(4)) {
                        case 0 -> "\\Seen";
                        case 1 -> "\\Deleted";
                        default -> "$k" + random.nextInt(6);
                    };
                    run(c, model, t, "STORE " + msn + (random.nextBoolean() ? " +FLAGS (" : " -FLAGS (") + flag + ")", true);
                } else if (op == 5) {
                    run(c, model, t, "EXPUNGE", false);
                } else if (op < 8 && size > 0) {
                    run(c, model, t, "FETCH 1:* (UID FLAGS)", true);
                } else if (op == 8) {
                    run(c, model, t, random.nextBoolean() ? "SEARCH ALL" : "SEARCH KEYWORD $k1", true);
                } else {
                    run(c, model, t, random.nextBoolean() ? "NOOP" : "UID SEARCH ALL", false);
                }
            }
            // Everyone has stopped changing the mailbox: catch up and learn every UID and flag.
            quiet.await(30, java.util.concurrent.TimeUnit.SECONDS);
            run(c, model, "n" + id, "NOOP", false);
            if (!model.uids.isEmpty()) run(c, model, "f" + id, "FETCH 1:* (UID FLAGS)", true);
            return model;
        }
    }

    private static void run(ImapClient c, Model model, String tag, String command, boolean bySequence) throws Exception {
        for (String l : c.command(tag, command)) apply(model, l, tag, bySequence);
    }

    private static void apply(Model model, String line, String tag, boolean bySequence) {
        if (line.startsWith(tag + " ")) {
            if (!line.startsWith(tag + " OK")) model.errors.add("not OK: " + line);
        } else if (line.startsWith("* ")) {
            model.apply(line, bySequence);
        }
    }

    private static void expectOk(List<String> lines, Model model) {
        if (!lines.getLast().contains(" OK")) model.errors.add("login failed: " + lines);
    }

    @Test
    void clientsOnOneMailboxNeverContradictEachOtherOrTheStore() throws Exception {
        fx = new ImapFixture(dataDir);
        ImapServer server = fx.server(l -> { });
        Account account = fx.account();
        int clients = 4;
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        java.util.concurrent.CyclicBarrier quiet = new java.util.concurrent.CyclicBarrier(clients);
        List<Future<Model>> futures = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            futures.add(pool.submit(() -> run(server, account, id, deadline, quiet)));
        }
        pool.shutdown();
        List<Model> models = new ArrayList<>();
        for (Future<Model> f : futures) models.add(f.get());
        for (Model m : models) assertThat(m.errors).as("contradictions seen by a client").isEmpty();

        // Each client, caught up, holds exactly the store's messages and flags; so does a new session.
        long inbox = fx.store.mailbox(account.id(), "INBOX").orElseThrow().id();
        List<MessageEntry> stored = fx.store.messages(inbox);
        List<Long> storedUids = stored.stream().map(MessageEntry::uid).toList();
        List<Set<String>> storedFlags = stored.stream().map(e -> (Set<String>) new TreeSet<>(e.flags())).toList();
        assertThat(fx.store.mailbox(account.id(), "INBOX").orElseThrow().uidNext()).as("the run appended").isGreaterThan(5);
        for (Model m : models) {
            assertThat(m.uids).isEqualTo(storedUids);
            assertThat(m.flags).isEqualTo(storedFlags);
        }
        Model fresh = new Model();
        try (ImapClient c = new ImapClient(ImapFixture.address(server))) {
            c.line();
            expectOk(c.command("l", "LOGIN " + account.address() + " \"" + ImapFixture.PASSWORD + "\""), fresh);
            run(c, fresh, "s", "SELECT INBOX", false);
            if (!fresh.uids.isEmpty()) run(c, fresh, "f", "FETCH 1:* (UID FLAGS)", true);
        }
        assertThat(fresh.errors).isEmpty();
        assertThat(fresh.uids).isEqualTo(storedUids);
        assertThat(fresh.flags).isEqualTo(storedFlags);
    }
}
