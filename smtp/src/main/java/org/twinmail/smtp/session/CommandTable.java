package org.twinmail.smtp.session;

import static org.twinmail.smtp.session.SessionState.CONNECTED;
import static org.twinmail.smtp.session.SessionState.GREETED;
import static org.twinmail.smtp.session.SessionState.MAIL;
import static org.twinmail.smtp.session.SessionState.RCPT;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.twinmail.smtp.command.Verb;

/**
 * For every verb, in one place: the states it is allowed in (otherwise 503 5.5.1 with the
 * row's explanation), whether it is junk (counts toward {@code junkCommandLimit}: commands
 * that do no work and that spammers and probes use to keep a connection busy, whether we
 * offer them or not), and whether we offer it at all (otherwise 502 5.5.1). There is one
 * table per {@link SmtpMode}: the MX and submission share every row except AUTH, which only
 * submission offers (the MX never relays, so a login there would grant nothing).
 */
final class CommandTable {

    /**
     * @param allowedIn     states in which the command may be given
     * @param junk          counts toward the junk-command limit
     * @param offered       implemented and advertised; false gives 502 5.5.1 in every state
     * @param outOfSequence 503 text when given in a state not in {@code allowedIn} (after HELO/EHLO)
     */
    record Entry(Verb verb, Set<SessionState> allowedIn, boolean junk, boolean offered, String outOfSequence) {

        boolean allowedIn(SessionState state) {
            return allowedIn.contains(state);
        }

        /** The 503 reply text for {@code state}. */
        String outOfSequence(SessionState state) {
            return state == CONNECTED ? "Error: send HELO/EHLO first" : outOfSequence;
        }
    }

    private static final Set<SessionState> ANY = EnumSet.allOf(SessionState.class);

    private static List<Entry> rows(SmtpMode mode) {
        return List.of(
            //          verb         allowed in               junk   offered  503 text
            new Entry(Verb.HELO,     ANY,                     false, true,  null),
            new Entry(Verb.EHLO,     ANY,                     false, true,  null),
            new Entry(Verb.MAIL,     EnumSet.of(GREETED),     false, true,  "Error: nested MAIL command"),
            new Entry(Verb.RCPT,     EnumSet.of(MAIL, RCPT),  false, true,  "Error: need MAIL command"),
            // DATA in state MAIL is let through so its handler can say 554 "no valid recipients"
            // when every RCPT was refused (RFC 2920 3.1) and 503 when none was given.
            new Entry(Verb.DATA,     EnumSet.of(MAIL, RCPT),  false, true,  "Error: need RCPT command"),
            new Entry(Verb.RSET,     ANY,                     true,  true,  null),
            new Entry(Verb.NOOP,     ANY,                     true,  true,  null),
            new Entry(Verb.QUIT,     ANY,                     false, true,  null),
            new Entry(Verb.VRFY,     ANY,                     true,  true,  null),
            new Entry(Verb.HELP,     ANY,                     true,  true,  null),
            // RFC 3207 4 / RFC 4954 4: not in the middle of a mail transaction.
            new Entry(Verb.STARTTLS, EnumSet.of(GREETED),     false, true,  "Error: STARTTLS not allowed during a mail transaction"),
            new Entry(Verb.AUTH,     EnumSet.of(GREETED),     false, mode == SmtpMode.SUBMISSION,
                                                                             "Error: AUTH not allowed during a mail transaction"),
            // RFC 4468: the message from IMAP URLs, on submission only (the MX has no user to read them for).
            new Entry(Verb.BURL,     EnumSet.of(MAIL, RCPT),  false, mode == SmtpMode.SUBMISSION,
                                                                             "Error: need RCPT command"),
            // RFC 5321 7.3: expanding lists tells strangers who is on them, so EXPN is not
            // offered; it still counts as junk, since address harvesters send it over and over.
            new Entry(Verb.EXPN,     ANY,                     true,  false, null),
            // Recognised, not offered yet (BDAT comes with CHUNKING).
            new Entry(Verb.BDAT,     ANY,                     false, false, null),
            new Entry(Verb.ETRN,     ANY,                     false, false, null),
            new Entry(Verb.TURN,     ANY,                     false, false, null),
            new Entry(Verb.ATRN,     ANY,                     false, false, null),
            new Entry(Verb.SEND,     ANY,                     false, false, null),
            new Entry(Verb.SOML,     ANY,                     false, false, null),
            new Entry(Verb.SAML,     ANY,                     false, false, null));
    }

    private static final Map<SmtpMode, CommandTable> TABLES = new EnumMap<>(Map.of(
            SmtpMode.MX, new CommandTable(rows(SmtpMode.MX)),
            SmtpMode.SUBMISSION, new CommandTable(rows(SmtpMode.SUBMISSION))));

    private final Map<Verb, Entry> table;

    private CommandTable(List<Entry> rows) {
        Map<Verb, Entry> m = new EnumMap<>(Verb.class);
        for (Entry e : rows) {
            if (m.put(e.verb(), e) != null) throw new IllegalStateException("two rows for " + e.verb());
        }
        for (Verb v : Verb.values()) {
            if (!m.containsKey(v)) throw new IllegalStateException("no command table row for " + v);
        }
        this.table = m;
    }

    static CommandTable of(SmtpMode mode) {
        return TABLES.get(mode);
    }

    Entry entry(Verb verb) {
        return table.get(verb);
    }

    /** Offered verbs in table order, for HELP. */
    List<Verb> offered() {
        return table.values().stream().filter(Entry::offered).map(Entry::verb).toList();
    }
}
