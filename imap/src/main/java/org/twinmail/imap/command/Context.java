package org.twinmail.imap.command;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.twinmail.core.auth.Authenticator.AuthenticatedUser;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.imap.mime.MessageCache;
import org.twinmail.mail.mime.MimePart;
import org.twinmail.imap.session.ImapMetrics;
import org.twinmail.imap.session.Notifier;
import org.twinmail.imap.session.SelectedMailbox;
import org.twinmail.protocol.log.SessionLog;
import org.twinmail.protocol.net.Connection;
import org.twinmail.protocol.sasl.SaslServer;
import org.twinmail.protocol.tls.Tls;
import org.twinmail.store.AccountMailboxes;
import org.twinmail.store.MailboxAccess;
import org.twinmail.store.StoreException;

/**
 * What a command sees of its session: the connection (responses are queued and sent
 * when the session flushes), the state, the logged-in user and the selected mailbox.
 * The store is reachable only once a user is logged in ({@link #store()}).
 */
public final class Context {
    /** What all sessions of one server share. */
    public record Services(TwinmailConfig.Imap limits, SaslServer sasl, Tls tls, MailboxAccess access, org.twinmail.store.Records records, Notifier notifier,
                           MessageCache cache, ImapMetrics metrics, java.nio.file.Path spoolDir, int spoolMemoryLimit,
                           org.twinmail.imap.session.RecentTracker recent,
                           /* the full-text index SEARCH's text keys ask first; null: every message is searched itself */
                           org.twinmail.search.SearchIndex search,
                           /* URLAUTH's keys and checks (GENURLAUTH, RESETKEY, URLFETCH); null: URLAUTH is not offered */
                           org.twinmail.store.access.UrlAuthorizer urlAuth) { }

    private final Connection connection;
    private final Services services;
    private final SessionLog sessionLog;
    private State state = State.NOT_AUTHENTICATED;
    private AuthenticatedUser user;
    /** The store as the logged-in user may use it: every operation checked against the user's rights. */
    private AccountMailboxes mailboxes;
    private SelectedMailbox selected;
    private final Set<String> enabled = new LinkedHashSet<>();
    private List<Long> savedUids = List.of();
    private final SearchUpdates searchUpdates = new SearchUpdates();
    /** The command being run (INPROGRESS names it) and when progress was last reported. */
    private String commandTag;
    private long lastProgress;
    private boolean logout;
    /** NOTIFY (RFC 5465) after the session sent one, else null: nothing is allocated for sessions that do not use it. */
    private NotifyState notify;

    public Context(Connection connection, Services services, SessionLog sessionLog) {
        this.connection = connection;
        this.services = services;
        this.sessionLog = sessionLog;
    }

    public Connection connection() {
        return connection;
    }

    public Services services() {
        return services;
    }

    public TwinmailConfig.Imap limits() {
        return services.limits();
    }

    public SessionLog sessionLog() {
        return sessionLog;
    }

    public State state() {
        return state;
    }

    public AuthenticatedUser user() {
        return user;
    }

    public long accountId() {
        return user.accountId();
    }

    /**
     * The store as the logged-in user sees it, for commands of an authenticated session only:
     * every operation is checked against the user's rights (RFC 4314) by the store itself.
     */
    public AccountMailboxes store() {
        if (mailboxes == null) throw new IllegalStateException("store used before login");
        return mailboxes;
    }

    /** The store's records (IMAP METADATA), for commands of an authenticated session only. */
    public org.twinmail.store.Records records() {
        if (user == null) throw new IllegalStateException("store used before login");
        return services.records();
    }

    public void loggedIn(AuthenticatedUser user) {
        this.mailboxes = services.access().forAccount(user.accountId());
        this.user = user;
        this.state = State.AUTHENTICATED;
        sessionLog.user(user.address());
    }

    public SelectedMailbox selected() {
        return selected;
    }

    public void select(SelectedMailbox mailbox) {
        deselect();
        savedUids = List.of(); // RFC 5182 2.1: the saved result does not survive a new selection
        this.selected = mailbox;
        this.state = State.SELECTED;
    }

    /**
     * The session starts a long wait (IDLE): the selected mailbox keeps only what its updates
     * compare ({@link SelectedMailbox#compact}); not while searches are kept up to date, whose
     * keys may read any column.
     */
    public void compactSelected() {
        if (selected != null && searchUpdates.isEmpty()) selected.compact(store(), condstore());
    }

    /** The wait is over: what {@link #compactSelected} let go is read back, before the next refresh. */
    public void restoreSelected() {
        if (selected == null) return;
        try {
            selected.restore(store());
        } catch (StoreException.NotFound | StoreException.Forbidden e) {
            // the mailbox was deleted or the right to read it taken away: the refresh that follows says BYE
        }
    }

    public void deselect() {
        searchUpdates.clear(); // RFC 5267 4.2: updates end with the selection
        if (selected != null) selected.close();
        selected = null;
        if (user != null) state = State.AUTHENTICATED;
    }

    /**
     * UNAUTHENTICATE (RFC 8437 3): back to the not-authenticated state as a new connection
     * would be, the mailbox closed without expunging, enabled extensions and the saved search
     * result forgotten; TLS and COMPRESS stay (they belong to the connection).
     */
    public void unauthenticate() {
        deselect();
        endNotify();
        savedUids = List.of();
        enabled.clear();
        user = null;
        mailboxes = null;
        state = State.NOT_AUTHENTICATED;
    }

    public boolean logout() {
        return logout;
    }

    public void setLogout() {
        logout = true;
    }

    /** The result saved by SEARCH RETURN (SAVE), as UIDs; "$" in later commands. */
    public List<Long> savedUids() {
        return savedUids;
    }

    public void saveSearch(List<Long> uids) {
        savedUids = List.copyOf(uids);
    }

    public Set<String> enabled() {
        return enabled;
    }

    /** A CONDSTORE-enabling command ran (RFC 7162 3.1): from now on the session behaves as after ENABLE CONDSTORE. */
    public void enableCondstore() {
        enabled.add("CONDSTORE");
    }

    public boolean condstore() {
        return enabled.contains("CONDSTORE") || qresync();
    }

    /** RFC 6855: UTF-8 in mailbox names and quoted strings. */
    public boolean utf8() {
        return enabled.contains("UTF8=ACCEPT");
    }

    /** RFC 9586: UIDs only, in requests and in responses (UIDFETCH, VANISHED). */
    public boolean uidOnly() {
        return enabled.contains("UIDONLY");
    }

    /**
     * The start of a FETCH response for a message of the selected mailbox: {@code "* msn FETCH ("},
     * or after ENABLE UIDONLY {@code "* uid UIDFETCH ("} (RFC 9586 3.3).
     */
    public String fetchStart(long uid) {
        return uidOnly() ? "* " + uid + " UIDFETCH (" : "* " + selected.msn(uid) + " FETCH (";
    }

    public boolean qresync() {
        return enabled.contains("QRESYNC");
    }

    /**
     * After {@code ENABLE IMAP4rev2} the session speaks RFC 9051 (Appendix E): no \Recent
     * (no RECENT or UNSEEN in SELECT), SEARCH answers with ESEARCH, SELECT names the mailbox
     * in a LIST response and closes a previous selection with [CLOSED], mailbox names are UTF-8.
     */
    public boolean rev2() {
        return enabled.contains("IMAP4rev2");
    }

    /** Mailbox names travel as UTF-8 (RFC 6855 UTF8=ACCEPT, and IMAP4rev2 by RFC 9051 5.1) rather than modified UTF-7. */
    public boolean utf8Names() {
        return utf8() || rev2();
    }

    // ---- responses ----

    /** Queues "* " + text; after ENABLE UIDONLY a "n FETCH (...)" becomes "uid UIDFETCH (...)" (RFC 9586 3.3). */
    public void untagged(String text) throws IOException {
        if (selected != null && uidOnly()) text = uidFetch(text);
        connection.writeLine("* " + text);
    }

    private static final java.util.regex.Pattern FETCH = java.util.regex.Pattern.compile("^(\\d+) FETCH \\((?:UID \\d+ ?)?(.*)$");

    /** "msn FETCH (UID u ...)" → "u UIDFETCH (...)": the number is the UID, so the UID item goes. */
    private String uidFetch(String text) {
        java.util.regex.Matcher m = FETCH.matcher(text);
        if (!m.matches()) return text;
        long uid = selected.uidAt(Integer.parseInt(m.group(1)));
        return uid + " UIDFETCH (" + m.group(2);
    }

    /** Raw output for literals (message bytes); text before and after goes through {@link #write}. */
    public OutputStream output() {
        return connection.output();
    }

    public void write(String text) throws IOException {
        connection.output().write(text.getBytes(StandardCharsets.UTF_8));
    }

    public void flush() throws IOException {
        connection.flush();
    }

    /** The session's NOTIFY from now on (null: none); the previous one stops watching. */
    void setNotify(NotifyState state) {
        if (notify != null) notify.unregister();
        notify = state;
        if (state != null) state.register();
    }

    /** The session ends (or goes back to not authenticated): NOTIFY stops watching. */
    public void endNotify() {
        setNotify(null);
    }

    /** Whether IDLE pushes the selected mailbox's changes: always without NOTIFY, else as NOTIFY asked (RFC 5465 4). */
    public boolean pushesSelected() {
        return notify == null || notify.pushesSelected();
    }

    /** The IDLE push NOTIFY's events wake (null when IDLE ends). */
    public void notifyWakeUp(Runnable wakeUp) {
        if (notify != null) notify.wakeUp(wakeUp);
    }

    /**
     * What IDLE pushes when woken: without NOTIFY the selected mailbox's updates; with NOTIFY
     * exactly the events it asked for (RFC 5465 4).
     */
    public void pushRefresh() throws IOException {
        if (notify == null) {
            refresh(true);
            return;
        }
        notify.catchUp();
        if (notify.pushesSelected()) refreshSelected(true);
        if (notify != null && !logout) notify.report(this);
    }

    /**
     * Sends untagged updates of the selected mailbox; {@code expungeAllowed} per RFC 9051 7.5.1.
     * With NOTIFY, also the events of other mailboxes it holds (RFC 5465).
     */
    public void refresh(boolean expungeAllowed) throws IOException {
        if (notify != null) notify.catchUp();
        refreshSelected(expungeAllowed);
        if (notify != null && !logout) notify.report(this);
    }

    private void refreshSelected(boolean expungeAllowed) throws IOException {
        if (selected == null) return;
        List<String> updates;
        // RFC 5465 5.3: with NOTIFY SELECTED MessageExpunge, expunges go out at once (the client uses UIDs).
        if (notify != null && notify.immediateExpunges()) expungeAllowed = true;
        List<FetchCommand.Item> newFetch = notify == null ? null : notify.newMessageFetch();
        long lastUid = newFetch == null || selected.size() == 0 ? 0 : selected.uids().getLast();
        try {
            // RFC 9586 3.2: after ENABLE UIDONLY expunges are reported with VANISHED, as under QRESYNC.
            updates = selected.refresh(store(), expungeAllowed, condstore(), qresync() || uidOnly());
        } catch (StoreException.NotFound e) {
            // Another session deleted (or renamed INBOX away from) the mailbox under us.
            untagged("BYE [CLOSED] the selected mailbox was deleted, or your rights on it were removed");
            flush();
            setLogout();
            return;
        } catch (StoreException.Forbidden e) {
            // RFC 4314 5.1.1: the user lost the right to read the selected mailbox; the server may say BYE.
            untagged("BYE [NOPERM] the right to read the selected mailbox was revoked");
            flush();
            setLogout();
            return;
        }
        for (String u : updates) untagged(u);
        if (newFetch != null) {
            // RFC 5465 5.2: the EXISTS of new messages is followed by the FETCH MessageNew asked for.
            List<Long> fresh = new ArrayList<>();
            List<Long> uids = selected.uids();
            for (int i = uids.size() - 1; i >= 0 && uids.get(i) > lastUid; i--) fresh.addFirst(uids.get(i));
            if (!fresh.isEmpty()) FetchCommand.notifyNew(this, fresh, newFetch);
        }
        // RFC 5267 4.3: result updates go out when EXPUNGE may (they name messages by current numbers).
        if (expungeAllowed && !searchUpdates.isEmpty()) searchUpdates.report(this);
    }

    /** The session starts running the command tagged {@code tag}. */
    public void commandStarted(String tag) {
        commandTag = tag;
        lastProgress = System.nanoTime();
    }

    /**
     * RFC 9585 INPROGRESS: a long command (a SEARCH or SORT over many messages) tells the client
     * it is still working, at most every {@code imap.progressInterval}, with {@code done} of
     * {@code total} messages: {@code * OK [INPROGRESS ("tag" done total)]}. Not after the last one
     * (the tagged reply follows).
     */
    void progress(long done, long total) {
        if (commandTag == null || done >= total) return;
        long now = System.nanoTime();
        if (now - lastProgress < limits().progressInterval.toNanos()) return;
        lastProgress = now;
        try {
            untagged("OK [INPROGRESS (" + org.twinmail.imap.protocol.Strings.string(commandTag, false) + " " + done + " " + total
                    + ")] still working");
            flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The searches kept up to date for this selection (SEARCH/SORT RETURN (UPDATE)). */
    SearchUpdates searchUpdates() {
        return searchUpdates;
    }

    /** The parsed message of an entry, from the shared cache or the store; {@link MessageGone} if its body is gone. */
    public MimePart message(String blobId) throws IOException {
        MimePart m = services.cache().get(blobId);
        if (m != null) return m;
        byte[] data;
        try (var in = store().openBlob(blobId)) {
            data = in.readAllBytes();
        } catch (StoreException.NotFound e) {
            throw new MessageGone();
        }
        m = MimePart.parse(data);
        services.cache().put(blobId, m);
        return m;
    }

    /** Capabilities for the current state (RFC 9051 7.2.2). */
    public List<String> capabilities() {
        List<String> caps = new ArrayList<>(List.of("IMAP4rev1", "IMAP4rev2"));
        if (state == State.NOT_AUTHENTICATED) {
            if (services.tls() != null && !connection.isSecure()) caps.add("STARTTLS");
            if (services.sasl().allowed(connection)) {
                caps.add("AUTH=PLAIN");
            } else {
                caps.add("LOGINDISABLED");
            }
            caps.add("SASL-IR");
        }
        // Only what is implemented: docs/imap.md lists what is not.
        caps.addAll(List.of("LITERAL+", "ID", "ENABLE", "IDLE", "COMPRESS=DEFLATE", "NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "CHILDREN",
                "SPECIAL-USE", "CREATE-SPECIAL-USE", "MULTIAPPEND", "CONDSTORE", "QRESYNC", "BINARY", "ESEARCH", "SEARCHRES", "SORT",
                "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "LIST-EXTENDED", "LIST-STATUS", "UTF8=ACCEPT", "QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE",
                "STATUS=SIZE", "OBJECTID", "ACL", "RIGHTS=texk", "APPENDLIMIT=" + services.limits().maxLiteralSize.bytes(),
                "SAVEDATE", "PREVIEW", "WITHIN", "SORT=DISPLAY", "ESORT", "CONTEXT=SEARCH", "CONTEXT=SORT", "PARTIAL",
                "MESSAGELIMIT=" + services.limits().messageLimit, "REPLACE", "METADATA", "METADATA-SERVER", "UIDONLY", "CATENATE",
                "NOTIFY"));
        // RFC 4467, RFC 5524: where the store's URLAUTH checks are at hand (for URLFETCH and the submission server's BURL).
        if (services.urlAuth() != null) caps.addAll(List.of("URLAUTH", "URLAUTH=BINARY"));
        // RFC 8437 3: advertised where it can be used, after login.
        if (state != State.NOT_AUTHENTICATED) caps.add("UNAUTHENTICATE");
        return caps;
    }
}
