package org.twinmail.bench.run;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.twinmail.bench.stats.RunStats;
import org.twinmail.bench.wire.ImapClient;

/**
 * What a desktop mail client does when it opens a mailbox: log in, list folders,
 * select the inbox, fetch the headers of every message (UID, flags, size, the
 * envelope fields a message list shows), read the bodies of a few, flag one, move one
 * to an archive folder, idle a moment for new mail, log out.
 *
 * <p>Moves go from INBOX to "Archive" while INBOX has mail and back when it is empty,
 * so long runs keep the same amount of mail in play. MOVE (RFC 6851) is used when
 * offered, else COPY, STORE \Deleted and EXPUNGE; IDLE (RFC 2177) only when offered.
 */
public final class ImapDesktopSession {
    public static final String ARCHIVE = "Archive";
    private static final Pattern EXISTS = Pattern.compile("^\\* (\\d+) EXISTS", Pattern.CASE_INSENSITIVE);
    private static final Pattern UID = Pattern.compile("\\bUID (\\d+)", Pattern.CASE_INSENSITIVE);

    private ImapDesktopSession() {}

    /** One session; returns the number of IMAP commands it issued. */
    public static int run(Target target, int user, int bodies, Duration idle, SplittableRandom random, RunStats stats)
            throws IOException, InterruptedException {
        int ops = 0;
        try (ImapClient c = ImapClient.login(target.imap(), target.address(user), target.password(user), target.timeout(), stats)) {
            ops++;
            boolean archive = false;
            for (String l : c.command("LIST", "LIST \"\" \"*\"").untagged()) {
                if (l.toLowerCase(Locale.ROOT).endsWith(" " + ARCHIVE.toLowerCase(Locale.ROOT))
                        || l.toLowerCase(Locale.ROOT).endsWith(" \"" + ARCHIVE.toLowerCase(Locale.ROOT) + "\"")) archive = true;
            }
            ops++;
            if (!archive) {
                c.command("CREATE", "CREATE " + ARCHIVE);
                ops++;
            }
            String from = "INBOX", to = ARCHIVE;
            int exists = exists(c.command("SELECT", "SELECT INBOX").untagged());
            ops++;
            if (exists == 0) {
                from = ARCHIVE;
                to = "INBOX";
                exists = exists(c.command("SELECT", "SELECT " + ARCHIVE).untagged());
                ops++;
            }
            if (exists > 0) {
                List<Long> uids = new ArrayList<>();
                for (String l : c.command("FETCH-HEADERS",
                        "UID FETCH 1:* (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)])").untagged()) {
                    Matcher m = UID.matcher(l);
                    if (m.find()) uids.add(Long.parseLong(m.group(1)));
                }
                ops++;
                for (int i = 0; i < Math.min(bodies, uids.size()); i++) {
                    c.command("FETCH-BODY", "UID FETCH " + uids.get(random.nextInt(uids.size())) + " BODY.PEEK[]");
                    ops++;
                }
                if (!uids.isEmpty()) {
                    long flag = uids.get(random.nextInt(uids.size()));
                    c.command("STORE", "UID STORE " + flag + " +FLAGS.SILENT (\\Seen \\Flagged)");
                    ops++;
                    long move = uids.get(random.nextInt(uids.size()));
                    if (c.has("MOVE")) {
                        c.command("MOVE", "UID MOVE " + move + " " + to);
                        ops++;
                    } else {
                        c.command("COPY", "UID COPY " + move + " " + to);
                        c.command("STORE", "UID STORE " + move + " +FLAGS.SILENT (\\Deleted)");
                        c.command("EXPUNGE", "EXPUNGE");
                        ops += 3;
                    }
                }
            }
            if (c.has("IDLE") && !idle.isZero()) {
                c.idle(idle);
                ops++;
            }
            c.logout();
            ops++;
        }
        return ops;
    }

    private static int exists(List<String> untagged) {
        for (String l : untagged) {
            Matcher m = EXISTS.matcher(l);
            if (m.find()) return Integer.parseInt(m.group(1));
        }
        return 0;
    }
}
