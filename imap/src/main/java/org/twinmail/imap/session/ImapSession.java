package org.twinmail.imap.session;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.config.TwinmailConfig;
import org.twinmail.core.mail.MessageSpool;
import org.twinmail.core.mail.Printable;
import org.twinmail.imap.command.CommandTable;
import org.twinmail.imap.command.Context;
import org.twinmail.imap.command.Handler;
import org.twinmail.imap.command.No;
import org.twinmail.imap.command.Request;
import org.twinmail.imap.command.State;
import org.twinmail.imap.protocol.ArgReader;
import org.twinmail.imap.protocol.CommandFramer;
import org.twinmail.imap.protocol.ImapSyntaxException;
import org.twinmail.protocol.io.LineInput;
import org.twinmail.protocol.log.SessionLog;
import org.twinmail.protocol.net.Connection;
import org.twinmail.store.StoreException;

/**
 * One IMAP connection, read top to bottom on its own virtual thread: greeting, then
 * command after command until LOGOUT, the client leaving, a timeout or too many errors.
 * A command is framed (lines and literals, with the size limits), parsed, checked
 * against the command table for the current state, run, followed by the untagged
 * updates the moment allows, and answered. Replies are flushed when no pipelined input
 * is waiting. Every way out writes the one session log line.
 */
public final class ImapSession {
    private static final Logger log = LoggerFactory.getLogger(ImapSession.class);

    private final Connection connection;
    private final Context.Services services;
    private final TwinmailConfig.Imap limits;
    private final SessionLog sessionLog;
    private final Context ctx;
    private int errors;
    /** The IDLE in progress (between "+ idling" and the client's DONE), or null. */
    private IdlePush idling;
    /** Set when the session must end after the reply now queued (a line or literal too long to go on). */
    private boolean closing;

    public ImapSession(Connection connection, Context.Services services) {
        this.connection = connection;
        this.services = services;
        this.limits = services.limits();
        this.sessionLog = new SessionLog("imap", connection.remote());
        this.ctx = new Context(connection, services, sessionLog);
        sessionLog.count("cmds", 0);
    }

    public void run() throws IOException {
        services.metrics().session();
        serve(true);
    }

    /**
     * The command loop, from the greeting ({@code greet}) or from where an IDLE left it. When a
     * command starts IDLE the loop hibernates the connection and returns: the wait for DONE
     * happens on a fresh thread ({@link Connection#hibernate}), which comes back here.
     */
    private void serve(boolean greet) {
        boolean hibernating = false;
        try {
            if (greet) {
                connection.setReadTimeout(limits.authTimeout);
                ctx.untagged("OK [CAPABILITY " + String.join(" ", ctx.capabilities()) + "] TwinMail IMAP ready");
                connection.flush();
            }
            // An IDLE in progress ends with the client's line even after a push said BYE (the mailbox was deleted).
            while (idling != null || (!ctx.logout() && !closing)) {
                if (idling != null) {
                    if (connection.wokenBy() == Connection.Wake.TIMEOUT) throw new SocketTimeoutException("idle for too long");
                    if (connection.wokenBy() == Connection.Wake.CALL && idling.pushWhileAsleep()) {
                        // a store change was pushed and the client has sent nothing: back to sleep
                        hibernating = true;
                        return;
                    }
                    endIdle();
                } else {
                    connection.setReadTimeout(ctx.state() == State.NOT_AUTHENTICATED ? limits.authTimeout : limits.idleTimeout);
                    CommandFramer.Frame frame = readCommand();
                    if (frame != null) {
                        try (frame) {
                            execute(frame);
                        }
                    }
                    if (idling != null) {
                        // "+ idling" is out, and store changes are pushed from now on: the wait goes to a fresh thread
                        // (or, on a plain connection, to the listener's selector, with no thread at all).
                        idling.hibernate();
                        hibernating = true;
                        return;
                    }
                }
                if (errors >= limits.maxErrors) {
                    ctx.untagged("BYE too many errors");
                    sessionLog.outcome("too-many-errors");
                    break;
                }
                if (!connection.input().hasBuffered()) connection.flush();
            }
            if (ctx.logout() && sessionLog.outcome().equals("ok")) sessionLog.outcome("logout");
        } catch (SocketTimeoutException e) {
            sessionLog.outcome("timeout");
            sendQuietly("* BYE autologout: idle for too long");
        } catch (EOFException e) {
            sessionLog.outcome("eof");
        } catch (IOException e) {
            sessionLog.outcome("disconnected");
            log.debug("imap: connection failed: {}", e.toString());
        } catch (RuntimeException e) {
            sessionLog.outcome("error");
            log.warn("imap: session failed", e);
            sendQuietly("* BYE internal server error");
        } finally {
            if (!hibernating) {
                if (idling != null) {
                    if (idling.mailbox >= 0) services.notifier().stopWaiting(idling.mailbox, idling);
                    idling.end();
                    idling = null;
                }
                ctx.deselect();
                ctx.endNotify();
                try {
                    connection.flush();
                } catch (IOException ignored) {
                    // the client is gone
                }
                sessionLog.field("errors", Integer.toString(errors));
                sessionLog.finish(connection.bytesIn(), connection.bytesOut());
            }
        }
    }

    private void sendQuietly(String line) {
        try {
            connection.writeLine(line);
            connection.flush();
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    /**
     * Reads one command with its literals; null if it was refused while framing (the
     * reply is already queued).
     */
    private CommandFramer.Frame readCommand() throws IOException {
        LineInput in = connection.input();
        // Before login a literal can only carry a user name, a password or a SASL line: a small limit.
        long maxLiteral = ctx.state() == State.NOT_AUTHENTICATED
                ? Math.min(limits.maxLiteralSize.bytes(), limits.maxLiteralSizeBeforeLogin.bytes()) : limits.maxLiteralSize.bytes();
        CommandFramer framer = new CommandFramer(maxLiteral, limits.maxLineLength);
        LineInput.Line line = in.readLine(limits.maxLineLength);
        if (line == null) throw new EOFException();
        String tag = null;
        while (true) {
            if (tag == null) tag = tagOf(line.bytes());
            if (line.tooLong()) {
                // What the rest of the line said (a literal it announced) cannot be known: the session ends.
                errors++;
                connection.writeLine((tag == null ? "*" : tag) + " BAD [TOOBIG] command line too long");
                ctx.untagged("BYE command line too long");
                sessionLog.outcome("line-too-long");
                closing = true;
                connection.lingerOnClose(); // the client is still sending: keep the BYE from a reset
                framer.discard();
                return null;
            }
            CommandFramer.Next next;
            try {
                next = framer.line(line.bytes());
            } catch (ImapSyntaxException e) {
                errors++;
                Long nonSync = nonSyncLiteral(line.bytes());
                framer.discard();
                if (nonSync != null && nonSync > maxLiteral) {
                    // RFC 7888 4: a non-synchronizing literal over the limit is refused and the connection closed,
                    // rather than reading (and dropping) what may be gigabytes.
                    connection.writeLine((tag == null ? "*" : tag) + " BAD [TOOBIG] " + e.getMessage());
                    ctx.untagged("BYE literal too big");
                    sessionLog.outcome("literal-too-big");
                    closing = true;
                    connection.lingerOnClose(); // the literal is on its way: keep the BYE from a reset
                    return null;
                }
                if (nonSync != null) {
                    // LITERAL+: the client sends the octets anyway; read past them and the rest of the command.
                    skipRest(in, nonSync, maxLiteral);
                    if (closing) {
                        connection.writeLine((tag == null ? "*" : tag) + " BAD [TOOBIG] literal too big");
                        ctx.untagged("BYE literal too big");
                        return null;
                    }
                }
                connection.writeLine((tag == null ? "*" : tag) + " BAD [TOOBIG] " + e.getMessage());
                return null;
            }
            switch (next) {
                case CommandFramer.Next.Done done -> {
                    return done.frame();
                }
                case CommandFramer.Next.Literal literal -> {
                    if (literal.synchronizing()) {
                        connection.writeLine("+ Ready for literal data");
                        connection.flush();
                    }
                    // Up to the spool memory limit in memory, beyond it in a file: a 50 MB APPEND costs disk, not heap.
                    MessageSpool spool = new MessageSpool(services.spoolDir(), services.spoolMemoryLimit());
                    try {
                        in.readExactly(literal.size(), spool);
                    } catch (IOException | RuntimeException e) {
                        spool.discard();
                        framer.discard();
                        throw e;
                    }
                    framer.literal(spool.finish());
                }
            }
            line = in.readLine(limits.maxLineLength);
            if (line == null) {
                framer.discard();
                throw new EOFException();
            }
        }
    }

    /** The size of a non-synchronizing literal at the end of the line, or null. */
    private static Long nonSyncLiteral(byte[] line) {
        int n = line.length;
        if (n < 4 || line[n - 1] != '}' || line[n - 2] != '+') return null;
        int i = n - 3;
        while (i >= 0 && line[i] >= '0' && line[i] <= '9') i--;
        if (i < 0 || line[i] != '{' || n - 3 - i > 18 || n - 3 - i == 0) return null;
        return Long.parseLong(new String(line, i + 1, n - 3 - i, StandardCharsets.US_ASCII));
    }

    /** Discards a non-synchronizing literal and the command lines after it (which may announce more). */
    private void skipRest(LineInput in, long size, long maxLiteral) throws IOException {
        long pending = size;
        while (true) {
            in.readExactly(pending, null);
            LineInput.Line next = in.readLine(limits.maxLineLength);
            if (next == null) throw new EOFException();
            Long more = nonSyncLiteral(next.bytes());
            if (more == null && next.tooLong()) {
                sessionLog.outcome("line-too-long");
                closing = true;
                return;
            }
            if (more == null) return;
            if (more > maxLiteral) {
                sessionLog.outcome("literal-too-big");
                closing = true;
                return;
            }
            pending = more;
        }
    }

    private static String tagOf(byte[] line) {
        int i = 0;
        while (i < line.length && line[i] != ' ' && line[i] != '+' && line[i] > 0x20 && line[i] < 0x7f && i < 64) i++;
        if (i == 0 || (i < line.length && line[i] != ' ')) return null;
        return new String(line, 0, i, StandardCharsets.US_ASCII);
    }

    private void execute(CommandFramer.Frame frame) throws IOException {
        ArgReader args = new ArgReader(frame, limits.maxNestingDepth);
        String tag;
        String name;
        boolean uid = false;
        try {
            tag = args.tag();
        } catch (ImapSyntaxException e) {
            errors++;
            ctx.untagged("BAD " + e.getMessage());
            return;
        }
        try {
            args.sp();
            name = args.keyword();
            if (name.equals("UID")) {
                args.sp();
                name = args.keyword();
                uid = true;
            }
        } catch (ImapSyntaxException e) {
            errors++;
            tagged(tag, "BAD", null, "missing command name");
            return;
        }
        Optional<CommandTable> command = CommandTable.find(name);
        services.metrics().command(name, command.isPresent());
        sessionLog.count("cmds", 1);
        if (command.isEmpty() || (uid && !command.get().hasUidForm())) {
            errors++;
            tagged(tag, "BAD", null, "unknown command " + Printable.of((uid ? "UID " : "") + name));
            return;
        }
        CommandTable c = command.get();
        if (!c.allowedIn(ctx.state())) {
            errors++;
            String why = ctx.state() == State.NOT_AUTHENTICATED ? "before login"
                    : c.allowedIn(State.NOT_AUTHENTICATED) ? "after login" : "without a selected mailbox";
            tagged(tag, "BAD", null, name + " is not allowed " + why);
            return;
        }
        if (ctx.uidOnly() && !uid && c.usesSequenceNumbers()) {
            // RFC 9586 3: after ENABLE UIDONLY no command takes message sequence numbers.
            errors++;
            tagged(tag, "BAD", "UIDREQUIRED", name + " needs its UID form after ENABLE UIDONLY");
            return;
        }
        args.optionalSp();
        Request request = new Request(tag, name, uid, args);
        ctx.commandStarted(tag);
        Handler handler = switch (c) {
            case IDLE -> this::idle;
            case STARTTLS -> this::startTls;
            case COMPRESS -> this::compress;
            case AUTHENTICATE -> CommandTable.authenticate(this::readAuthLine);
            default -> c.handler();
        };
        String status = "OK";
        String code = null;
        String text;
        boolean condstoreBefore = ctx.condstore();
        try {
            if (c.syncsBefore()) {
                // Run on the current state; sequence numbers the client sent must not move under it, though.
                ctx.refresh(uid || !c.usesSequenceNumbers());
                if (ctx.logout()) return;
            }
            text = handler.run(ctx, request);
        } catch (ImapSyntaxException e) {
            errors++;
            status = "BAD";
            code = switch (e.kind()) {
                case TOO_DEEP -> "LIMIT";
                case UID_REQUIRED -> "UIDREQUIRED";
                default -> null;
            };
            text = e.getMessage();
        } catch (No e) {
            status = "NO";
            code = e.code();
            text = e.getMessage();
        } catch (StoreException.QuotaExceeded e) {
            status = "NO";
            code = "OVERQUOTA";
            text = "quota exceeded";
        } catch (org.twinmail.imap.command.MessageGone e) {
            status = "NO";
            code = "EXPUNGEISSUED";
            text = e.getMessage();
        } catch (StoreException.NotFound e) {
            status = "NO";
            code = "NONEXISTENT";
            text = e.getMessage();
        } catch (StoreException.Forbidden e) {
            // RFC 5530 NOPERM: the user lacks an ACL right (RFC 4314) the command needs.
            status = "NO";
            code = "NOPERM";
            text = e.getMessage();
        } catch (StoreException | java.io.UncheckedIOException e) {
            log.warn("imap: {} failed: {}", name, e.toString());
            status = "NO";
            code = "UNAVAILABLE";
            text = "the mail store is unavailable, try again later";
        } catch (RuntimeException e) {
            // A bug must cost one command, not the session (Dovecot answers the same way).
            log.warn("imap: {} failed", name, e);
            status = "NO";
            code = "SERVERBUG";
            text = "internal error, the command was not completed";
        }
        if (text == null) return; // answered by the command itself (STARTTLS)
        if (ctx.logout()) {
            tagged(tag, status, code, text);
            return;
        }
        ctx.refresh(c.expungeAllowed(uid));
        if (!condstoreBefore && ctx.condstore() && ctx.selected() != null && c != CommandTable.SELECT && c != CommandTable.EXAMINE) {
            // RFC 7162 3.1: the first CONDSTORE-enabling command with a mailbox selected announces its HIGHESTMODSEQ
            // (SELECT/EXAMINE do in their own responses); MODSEQ follows in every FETCH from now on.
            ctx.untagged("OK [HIGHESTMODSEQ " + ctx.selected().modSeq() + "] highest");
        }
        tagged(tag, status, code, text);
    }

    private void tagged(String tag, String status, String code, String text) throws IOException {
        connection.writeLine(tag + " " + status + " " + (code == null ? "" : "[" + code + "] ") + responseText(text));
    }

    /**
     * Reply text may quote what the client sent (a mailbox name, a bad token): no control
     * characters (a CR or LF would forge a response line) and 7-bit only. Not truncated:
     * the text also carries our own response codes, such as the CAPABILITY list.
     */
    static String responseText(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            b.append(c < 0x20 || c >= 0x7f ? '?' : c);
        }
        return b.toString();
    }

    /**
     * STARTTLS (RFC 9051 6.2.1): the tagged OK goes out in plaintext, then the handshake;
     * anything the client pipelined after the command is discarded, never run (the
     * CVE-2011-0411 injection). A failed handshake ends the session.
     */
    private String startTls(Context c, Request r) throws IOException, ImapSyntaxException, No {
        r.args().end();
        if (services.tls() == null) throw new No(null, "STARTTLS is not available");
        if (connection.isSecure()) throw new No(null, "TLS is already active");
        tagged(r.tag(), "OK", null, "Begin TLS negotiation now");
        int discarded = services.tls().upgrade(connection);
        if (discarded > 0) {
            log.info("imap: discarded {} bytes of plaintext pipelined after STARTTLS by {}", discarded, connection.remote());
            sessionLog.count("discarded", discarded);
        }
        sessionLog.field("tls", connection.tlsDescription());
        return null;
    }

    /**
     * COMPRESS DEFLATE (RFC 4978): the tagged OK goes out uncompressed, then both directions
     * are raw DEFLATE (over TLS when TLS is active: compression sits above it). A second
     * COMPRESS gets {@code NO [COMPRESSIONACTIVE]} (RFC 4978 3; the code is RFC 5530's).
     */
    private String compress(Context c, Request r) throws IOException, ImapSyntaxException, No {
        String mechanism = r.args().atom();
        r.args().end();
        if (connection.hasLayer()) throw new No("COMPRESSIONACTIVE", "DEFLATE is already active");
        if (!mechanism.equalsIgnoreCase("DEFLATE")) throw ImapSyntaxException.syntax("unknown compression mechanism " + mechanism);
        tagged(r.tag(), "OK", null, "DEFLATE active");
        connection.addLayer(new DeflateLayer());
        sessionLog.field("compress", "deflate");
        return null;
    }

    /** One line of an AUTHENTICATE exchange; null when the client left or sent too long a line. */
    private String readAuthLine() throws IOException {
        LineInput.Line line = connection.input().readLine(limits.maxLineLength);
        if (line == null || line.tooLong()) return null;
        return line.ascii();
    }

    /**
     * IDLE (RFC 2177): changes are pushed as they happen until the client sends DONE. This
     * registers the wake-up, catches up and sends "+ idling"; the session loop then
     * hibernates, and {@link #endIdle} reads the client's line on a fresh thread: an idle
     * connection costs one parked thread with a shallow stack and no buffers. A store change
     * on the mailbox wakes {@link IdlePush}, which catches up and flushes on a short-lived
     * virtual thread; it and the session take turns under one lock, so the view is never
     * changed by both, and a push is over before the command completes.
     */
    private String idle(Context c, Request r) throws IOException, ImapSyntaxException {
        r.args().end();
        // With NOTIFY, IDLE pushes exactly what it asked for (RFC 5465 4): maybe not the selected mailbox, maybe others.
        long mailbox = c.selected() == null || !c.pushesSelected() ? -1 : c.selected().id();
        IdlePush push = new IdlePush(c, r.tag(), mailbox);
        // Registered before the catch-up, so a change committed in between is not missed.
        if (mailbox >= 0) services.notifier().waitOn(mailbox, push);
        c.notifyWakeUp(push);
        push.lock.lock();
        try {
            c.refresh(true);
            connection.writeLine("+ idling");
            connection.flush();
            idling = push;
        } finally {
            push.lock.unlock();
            if (idling == null && mailbox >= 0) services.notifier().stopWaiting(mailbox, push);
            if (idling == null) c.notifyWakeUp(null);
        }
        return null; // answered by endIdle
    }

    /** Waits for the client's DONE (or a wrong line) and completes the IDLE command. */
    private void endIdle() throws IOException {
        IdlePush push = idling;
        LineInput.Line line;
        try {
            line = connection.input().readLine(limits.maxLineLength);
        } finally {
            idling = null;
            if (push.mailbox >= 0) services.notifier().stopWaiting(push.mailbox, push);
            ctx.notifyWakeUp(null);
            push.end();
        }
        if (line == null) throw new EOFException();
        boolean done = line.ascii().strip().equalsIgnoreCase("DONE");
        if (!done) errors++;
        if (!ctx.logout()) {
            ctx.restoreSelected(); // before the refresh, which removes what the store no longer lists
            ctx.refresh(CommandTable.IDLE.expungeAllowed(false));
        }
        if (done) {
            tagged(push.tag, "OK", null, "IDLE terminated");
        } else {
            tagged(push.tag, "BAD", null, "expected DONE to end IDLE");
        }
    }

    /**
     * The wake-up of an IDLE session: run by the store's writer thread after a commit, so it
     * only starts the catch-up on a virtual thread (one at a time; changes that come while one
     * waits for the lock are seen by it).
     */
    private final class IdlePush implements Runnable {
        final ReentrantLock lock = new ReentrantLock();
        private final org.twinmail.protocol.net.ConnectionHandler resume = x -> serve(false);
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final Context c;
        final String tag;
        final long mailbox;
        /** Guarded by {@link #lock}: false once the session thread has left IDLE. */
        private boolean active = true;

        IdlePush(Context c, String tag, long mailbox) {
            this.c = c;
            this.tag = tag;
            this.mailbox = mailbox;
        }

        @Override
        public void run() {
            // A session asleep in the listener's selector is woken to push (its next turn runs pushWhileAsleep).
            if (connection.wake()) return;
            if (scheduled.compareAndSet(false, true)) Thread.ofVirtual().name("imap-idle-push").start(this::push);
        }

        /**
         * The session thread hands the wait for DONE to the listener. Under the lock: a push that
         * holds it has written everything before the connection may stop blocking, and one that
         * comes after finds the connection hibernating and wakes it instead of writing.
         */
        void hibernate() {
            lock.lock();
            try {
                c.compactSelected();
                connection.hibernate(resume);
            } finally {
                lock.unlock();
            }
        }

        /**
         * Woken from the selector by {@link #run}: pushes the changes, and hibernates again when the
         * client has sent nothing (true); false when its input is there to read.
         */
        boolean pushWhileAsleep() throws IOException {
            lock.lock();
            try {
                scheduled.set(false);
                try {
                    c.pushRefresh();
                    connection.flush();
                } catch (RuntimeException e) {
                    log.warn("imap: IDLE update failed", e);
                }
                if (connection.inputReady()) return false;
                c.compactSelected(); // again, if a kept-up-to-date search read the columns back
                connection.hibernateAgain(resume);
                return true;
            } finally {
                lock.unlock();
            }
        }

        private void push() {
            lock.lock();
            try {
                scheduled.set(false);
                if (!active) return;
                if (connection.wake()) return; // it went to sleep meanwhile: its next turn pushes
                c.pushRefresh();
                connection.flush();
            } catch (IOException e) {
                // the client is gone: the session's read fails as well and ends the session
            } catch (RuntimeException e) {
                log.warn("imap: IDLE update failed", e);
            } finally {
                lock.unlock();
            }
        }

        /** The session thread leaves IDLE: waits for a push in progress; none runs after. */
        void end() {
            lock.lock();
            try {
                active = false;
            } finally {
                lock.unlock();
            }
        }
    }
}
