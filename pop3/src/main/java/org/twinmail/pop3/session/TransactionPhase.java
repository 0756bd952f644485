package org.twinmail.pop3.session;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.twinmail.core.model.MessageEntry;
import org.twinmail.pop3.command.Capabilities;
import org.twinmail.pop3.command.Command;
import org.twinmail.pop3.command.ParseError;
import org.twinmail.pop3.command.Pop3Parser;
import org.twinmail.pop3.command.State;
import org.twinmail.pop3.maildrop.Maildrop;
import org.twinmail.protocol.io.LineInput;
import org.twinmail.protocol.log.SessionLog;
import org.twinmail.store.ExpungeResult;
import org.twinmail.store.Mailboxes;
import org.twinmail.store.StoreException;

/**
 * The TRANSACTION state and, on QUIT, the UPDATE state (RFC 1939 sections 5 and 6).
 * Runs only with a loaded maildrop whose lock the caller holds. Nothing here
 * changes the store before QUIT: DELE marks, RSET unmarks, and a session that ends
 * any other way (dropped connection, autologout, too many errors) deletes nothing.
 */
final class TransactionPhase {
    private static final Logger log = LoggerFactory.getLogger(TransactionPhase.class);

    private final Pop3Channel channel;
    private final Maildrop maildrop;
    private final Mailboxes store;
    private final Capabilities capabilities;
    private final Pop3Metrics metrics;
    private final SessionLog sessionLog;

    TransactionPhase(Pop3Channel channel, Maildrop maildrop, Mailboxes store, Capabilities capabilities,
                     Pop3Metrics metrics, SessionLog sessionLog) {
        this.channel = channel;
        this.maildrop = maildrop;
        this.store = store;
        this.capabilities = capabilities;
        this.metrics = metrics;
        this.sessionLog = sessionLog;
    }

    /** Serves commands until QUIT has been answered. */
    void run() throws IOException, TooManyErrors {
        while (true) {
            LineInput.Line line = channel.readLine();
            switch (Pop3Parser.parse(line.bytes(), line.tooLong(), State.TRANSACTION)) {
                case ParseError e -> channel.err(e.text());
                case Command.Stat s -> channel.ok(maildrop.visibleCount() + " " + maildrop.visibleSize());
                case Command.List l -> {
                    if (l.message().isPresent()) {
                        int n = l.message().getAsInt();
                        if (available(n)) channel.ok(n + " " + maildrop.size(n));
                    } else {
                        List<String> lines = new ArrayList<>(maildrop.visibleCount());
                        for (int n = 1; n <= maildrop.count(); n++) {
                            if (!maildrop.isDeleted(n)) lines.add(n + " " + maildrop.size(n));
                        }
                        channel.okMultiline(summary(), lines);
                    }
                }
                case Command.Uidl u -> {
                    if (u.message().isPresent()) {
                        int n = u.message().getAsInt();
                        if (available(n)) channel.ok(n + " " + maildrop.uidl(n));
                    } else {
                        List<String> lines = new ArrayList<>(maildrop.visibleCount());
                        for (int n = 1; n <= maildrop.count(); n++) {
                            if (!maildrop.isDeleted(n)) lines.add(n + " " + maildrop.uidl(n));
                        }
                        channel.okMultiline("Unique-ID listing follows", lines);
                    }
                }
                case Command.Retr r -> send(r.message(), -1);
                case Command.Top t -> send(t.message(), t.lines());
                case Command.Dele d -> {
                    int n = d.message();
                    if (!maildrop.exists(n)) {
                        channel.err(noSuchMessage());
                    } else if (!maildrop.delete(n)) {
                        channel.err("Message " + n + " already deleted");
                    } else {
                        channel.ok("Message " + n + " deleted");
                    }
                }
                case Command.Rset r -> {
                    maildrop.reset();
                    channel.ok("Maildrop has " + summary());
                }
                case Command.Noop n -> channel.ok("");
                case Command.Capa c -> channel.okMultiline("Capability list follows", capabilities.lines(State.TRANSACTION));
                case Command.Quit q -> {
                    update();
                    return;
                }
                // USER, PASS and AUTH are refused by the parser in this state; this only guards the table.
                case Command other -> channel.err("Command not valid in this state");
            }
        }
    }

    /** RETR (bodyLines -1) or TOP: the blob is opened before "+OK", so a failure can still be answered with -ERR. */
    private void send(int n, long bodyLines) throws IOException, TooManyErrors {
        if (!available(n)) return;
        MessageEntry entry = maildrop.message(n);
        InputStream in;
        try {
            in = store.openBlob(entry.blobId());
        } catch (StoreException.NotFound | FileNotFoundException | NoSuchFileException e) {
            // Removed under us (by IMAP, say) after the snapshot was taken.
            channel.fail("Message " + n + " no longer exists");
            return;
        } catch (IOException | StoreException e) {
            log.warn("pop3: cannot open message {} (blob {}): {}", entry.uid(), entry.blobId(), e.toString());
            channel.fail("[SYS/TEMP] Cannot read message " + n + " now, try again later");
            return;
        }
        // Once "+OK" is out the reply cannot be turned into an error: a failure while
        // streaming ends the session (the exception propagates), which deletes nothing.
        try (in) {
            long sent;
            if (bodyLines < 0) {
                channel.ok(entry.size() + " octets");
                sent = MessageTransfer.retr(in, channel.body());
                metrics.retrieved();
                sessionLog.count("retr", 1);
            } else {
                channel.ok("Top of message follows");
                sent = MessageTransfer.top(in, channel.body(), bodyLines);
            }
            metrics.sent(sent);
            sessionLog.count("bytes", sent);
        }
    }

    /** The UPDATE state: one expunge for every message marked deleted, then the farewell. */
    private void update() throws IOException {
        List<Long> uids = maildrop.deletedUids();
        if (!uids.isEmpty()) {
            try {
                ExpungeResult result = store.expunge(maildrop.mailboxId(), uids);
                int removed = result.expungedUids().size();
                metrics.deleted(removed);
                sessionLog.count("dele", removed);
            } catch (RuntimeException e) {
                // The expunge is one store transaction: when it fails, every message is still there.
                log.warn("pop3: expunge of {} messages in mailbox {} failed: {}", uids.size(), maildrop.mailboxId(), e.toString());
                channel.fail("[SYS/TEMP] Some deleted messages not removed, try again later");
                sessionLog.outcome("update-failed");
                return;
            }
        }
        int left = maildrop.visibleCount();
        channel.ok("TwinMail POP3 signing off (" + (left == 0 ? "maildrop empty"
                : left + (left == 1 ? " message left" : " messages left")) + ")");
        sessionLog.outcome("quit");
    }

    /** True if message {@code n} exists and is not marked deleted; otherwise answers -ERR (RFC 1939 section 5). */
    private boolean available(int n) throws IOException, TooManyErrors {
        if (!maildrop.exists(n)) {
            channel.err(noSuchMessage());
            return false;
        }
        if (maildrop.isDeleted(n)) {
            channel.err("Message " + n + " is deleted");
            return false;
        }
        return true;
    }

    private String noSuchMessage() {
        int count = maildrop.count();
        return "No such message, only " + count + (count == 1 ? " message" : " messages") + " in maildrop";
    }

    private String summary() {
        return summary(maildrop);
    }

    /** "2 messages (320 octets)": the RFC 1939 wording of LIST, RSET and the login reply. */
    static String summary(Maildrop maildrop) {
        int n = maildrop.visibleCount();
        return n + (n == 1 ? " message (" : " messages (") + maildrop.visibleSize() + " octets)";
    }
}
